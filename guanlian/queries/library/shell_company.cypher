// ---
// id: shell_company
// title_zh: 收款企业有空壳迹象（注册资本过小、地址聚集、已注销或吊销）
// title_en: A paid company shows shell signs (tiny capital, crowded address, deregistered or revoked)
// severity: medium
// why_zh: >-
//   收款企业的注册资本与收款金额极不相称，或注册地址与大量企业共用（集中注册、虚假地址），或登记状态为注销/吊销仍在收款。
//   这些是空壳公司、走账公司的常见特征；两个及以上迹象为高风险。
// why_en: >-
//   The paid company's registered capital is tiny next to what it received, or its address is shared by many companies
//   (mass registration), or it is deregistered or revoked yet still paid: shell or pass-through signs. Two or more
//   signs are high severity.
// params:
//   capital_ratio: {type: float, default: 0.05, doc: flag when registered capital < this share of the payments received}
//   k: {type: int, default: 5, doc: flag when at least this many other companies share the registered address}
//   min_signals: {type: int, default: 1, doc: fewest signs needed}
// returns:
//   company: {node: Company, role: company}
//   unit: {node: Unit, role: unit}
//   paid_edge: {edge: PAID}
//   reg_capital: {type: money}
//   status: {type: string}
//   address_sharers: {type: int, doc: other companies at the same registered address}
//   dead_on_day: {type: int, doc: "deregistration/revocation date (registry date column, else the earliest change record to 注销/吊销); null when unknown"}
//   paid_after_dead: {type: int, doc: payments from the unit after that date}
//   dead_changes: {edge: CHANGE, many: true, doc: "the change records to 注销/吊销 (cited when the company is flagged as dead)"}
//   signals: {type: list, doc: "tiny_capital, crowded_address, dead_status"}
//   severity: {type: string}
//   payments_count: {type: int}
//   payments_sum: {type: money}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
// case: [company]
// explain: shell_signals
// explain_zh: >-
//   {company}（注册资本{reg_capital:,.0f}元，状态{status}，同址企业{address_sharers}家）有空壳迹象：{signals_zh}；
//   {unit}向其付款：{payments_zh}。
// explain_en: >-
//   {company} (registered capital CNY {reg_capital:,.0f}, status {status}, {address_sharers} other companies at its
//   address) shows shell signs: {signals_en}; payments from {unit}: {payments_en}.
// example: 某咨询公司注册资本1万元，却收到交通运输局付款200万元；同一地址另有8家企业。
// ---
MATCH (u:Unit)-[pd:PAID]->(c:Company)
// LadybugDB does not keep two relationships of one pattern distinct (Neo4j does): exclude c itself.
OPTIONAL MATCH (c)-[:HAS_ADDRESS]->(a:Address)<-[:HAS_ADDRESS]-(other:Company)
WHERE other.key <> c.key
WITH u, pd, c, count(DISTINCT other) AS address_sharers
// when it died: the registry's date column, else the earliest change record to 注销/吊销
OPTIONAL MATCH (c)-[x:CHANGE]->(c2:Company)
WHERE c2.key = c.key AND (x.after CONTAINS '注销' OR x.after CONTAINS '吊销')
WITH u, pd, c, address_sharers, coalesce(c.status_on_day, min(x.changed_on_day)) AS dead_day,
     collect(x.key) AS dead_changes
OPTIONAL MATCH (u)-[p:PAYMENT]->(c)
WHERE dead_day IS NOT NULL AND p.paid_on_day > dead_day
WITH u, pd, c, address_sharers, dead_day, dead_changes, count(p) AS paid_after_dead
WITH u, pd, c, address_sharers, dead_day, dead_changes, paid_after_dead,
     CASE WHEN c.reg_capital IS NOT NULL AND c.reg_capital < pd.total * $capital_ratio THEN 1 ELSE 0 END AS tiny,
     CASE WHEN address_sharers >= $k THEN 1 ELSE 0 END AS crowded,
     // dead and paid after the date, or dead at an unknown date (the text says so)
     CASE WHEN (c.status CONTAINS '注销' OR c.status CONTAINS '吊销') AND (dead_day IS NULL OR paid_after_dead > 0)
          THEN 1 ELSE 0 END AS dead
WHERE tiny + crowded + dead >= $min_signals
RETURN c.key AS company, u.key AS unit, pd.key AS paid_edge, c.reg_capital AS reg_capital, c.status AS status,
       address_sharers, dead_day AS dead_on_day, paid_after_dead,
       CASE WHEN dead = 1 THEN dead_changes ELSE [] END AS dead_changes,
       CASE WHEN tiny = 1 THEN ['tiny_capital'] ELSE [] END
         + CASE WHEN crowded = 1 THEN ['crowded_address'] ELSE [] END
         + CASE WHEN dead = 1 THEN ['dead_status'] ELSE [] END AS signals,
       CASE WHEN tiny + crowded + dead >= 2 THEN 'high' ELSE 'medium' END AS severity,
       pd.payments AS payments_count, pd.total AS payments_sum,
       pd.first_paid_day AS payments_first_day, pd.last_paid_day AS payments_last_day
