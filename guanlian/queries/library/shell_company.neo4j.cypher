// Neo4j text of shell_company.cypher (same answer, tests compare). Two changes, each for one expansion from every
// paid company, which Neo4j does by walking the company's whole relationship chain (about 15 edges, mostly
// PAYMENT; 1.4M db hits each at 1M rows):
// * address sharers are counted only for companies at an address held by two or more companies, found from the
//   address side by a HAS_ADDRESS type scan (any other company has 0 sharers);
// * the change records to 注销/吊销 are read only for rows that can still reach $min_signals when the dead sign
//   counts as given by the status alone (the dead sign is never more than that).
// 2.45 s -> 0.56 s at 1M rows. LadybugDB keeps the base text.
MATCH (a:Address)<-[ha:HAS_ADDRESS]-(h:Company)
USING SCAN ha:HAS_ADDRESS
WITH a, collect(h.key) AS holders
WHERE size(holders) >= 2
UNWIND holders AS hk
WITH collect(DISTINCT hk) AS sharing_keys
MATCH (u:Unit)-[pd:PAID]->(c:Company)
OPTIONAL MATCH (c)-[:HAS_ADDRESS]->(a:Address)<-[:HAS_ADDRESS]-(other:Company)
WHERE c.key IN sharing_keys AND other.key <> c.key
WITH u, pd, c, count(DISTINCT other) AS address_sharers
WITH u, pd, c, address_sharers,
     CASE WHEN c.reg_capital IS NOT NULL AND c.reg_capital < pd.total * $capital_ratio THEN 1 ELSE 0 END AS tiny,
     CASE WHEN address_sharers >= $k THEN 1 ELSE 0 END AS crowded,
     CASE WHEN c.status CONTAINS '注销' OR c.status CONTAINS '吊销' THEN 1 ELSE 0 END AS dead_status
WHERE tiny + crowded + dead_status >= $min_signals
OPTIONAL MATCH (c)-[x:CHANGE]->(c2:Company)
WHERE c2.key = c.key AND (x.after CONTAINS '注销' OR x.after CONTAINS '吊销')
WITH u, pd, c, address_sharers, tiny, crowded, coalesce(c.status_on_day, min(x.changed_on_day)) AS dead_day,
     collect(x.key) AS dead_changes
OPTIONAL MATCH (u)-[p:PAYMENT]->(c)
WHERE dead_day IS NOT NULL AND p.paid_on_day > dead_day
WITH u, pd, c, address_sharers, tiny, crowded, dead_day, dead_changes, count(p) AS paid_after_dead
WITH u, pd, c, address_sharers, dead_day, dead_changes, paid_after_dead, tiny, crowded,
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
