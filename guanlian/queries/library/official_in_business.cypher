// ---
// id: official_in_business
// title_zh: 在职官员本人持股或在企业任职
// title_en: A serving official holds shares or a post in a company
// severity: high
// why_zh: >-
//   官员本人（身份证号相同，或经匹配疑似同一人）是企业股东、法定代表人或高管。违反党政机关干部不得违规经商办企业的规定
//   （《中国共产党纪律处分条例》违规从事营利活动）；企业在其任期内收到本单位付款为高风险，否则为中风险。
// why_en: >-
//   The official himself (same resident ID, or probably the same person) is shareholder, legal representative or officer of a
//   company: cadres may not run businesses (party discipline rules on profit-making activities). High when his own
//   unit paid the company during his tenure, medium otherwise.
// params:
//   min_share: {type: float, default: 0.0, doc: smallest shareholding that counts; posts always count}
//   min_match_tier: {type: tier, default: possible, doc: weakest identity link accepted between the official and the registry person}
//   min_match_tier_unpaid: {type: tier, default: probable, doc: "weakest identity link accepted when his unit did not pay the company (a name alone matches too many namesakes)"}
// returns:
//   official: {node: Person, role: official}
//   holder: {node: Person, role: official, doc: the registry person (the same node when the ID matches)}
//   company: {node: Company, role: company}
//   unit: {node: Unit, role: unit}
//   serves_edge: {edge: SERVES_IN}
//   match_edge: {edge: POSSIBLY_SAME, ends: [official, holder]}
//   link_edges: {edge: [SHAREHOLDER_OF, OFFICER_OF, LEGAL_REP_OF], many: true}
//   paid_edge: {edge: PAID}
//   match_tier: {type: string}
//   post: {type: string}
//   max_share: {type: float}
//   severity: {type: string, doc: "high when paid during the tenure, medium otherwise"}
//   payments_count: {type: int}
//   payments_sum: {type: money}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
//   payments_in_tenure: {type: int}
// case: [official, company, unit]
// explain: company_roles
// explain_zh: >-
//   {official}（{unit}{post}）{match_zh}本人是{company}的{link_zh}；{payments_zh}。
// explain_en: >-
//   {official} ({post}, {unit}){match_en} is personally {link_en} of {company}; {payments_en}.
// example: 刘洋（农业农村局副局长，在职）本人持有某农资公司30%股份，该局在其任期内向该公司付款2笔。
// ---
MATCH (o:Person)-[t:SERVES_IN]->(u:Unit)
// h: o itself or one POSSIBLY_SAME hop away (faster on LadybugDB than the equivalent -[:POSSIBLY_SAME*0..1]-)
OPTIONAL MATCH (o)-[fs:POSSIBLY_SAME]-(f:Person)
WHERE fs.tier_rank >= $min_match_tier
WITH o, t, u, collect(f.key) + [o.key] AS same_keys
UNWIND same_keys AS hk
MATCH (h:Person)
WHERE h.key = hk
MATCH (h)-[l:SHAREHOLDER_OF|OFFICER_OF|LEGAL_REP_OF]->(c:Company)
WHERE l.share IS NULL OR l.share >= $min_share
OPTIONAL MATCH (o)-[s:POSSIBLY_SAME]-(h)
WITH o, t, u, h, c, s, l, CASE WHEN o.key = h.key THEN 2 ELSE s.tier_rank END AS match_rank
WHERE match_rank >= $min_match_tier
WITH o, t, u, h, c, s, match_rank, collect(DISTINCT l.key) AS link_edges, max(l.share) AS max_share
OPTIONAL MATCH (u)-[pd:PAID]->(c)
OPTIONAL MATCH (u)-[p:PAYMENT]->(c)
WITH o, t, u, h, c, s, match_rank, link_edges, max_share, pd,
     count(p) AS payments_count, sum(p.amount) AS payments_sum,
     min(p.paid_on_day) AS payments_first_day, max(p.paid_on_day) AS payments_last_day,
     sum(CASE WHEN p.paid_on_day >= coalesce(t.term_start_day, -1000000)
               AND p.paid_on_day <= coalesce(t.term_end_day, 1000000) THEN 1 ELSE 0 END) AS payments_in_tenure
WHERE payments_in_tenure > 0 OR (t.term_end_day IS NULL AND match_rank >= $min_match_tier_unpaid)
RETURN o.key AS official, h.key AS holder, c.key AS company, u.key AS unit,
       t.key AS serves_edge, s.key AS match_edge, s AS match_edge_data, link_edges,
       CASE WHEN payments_in_tenure > 0 THEN pd.key ELSE NULL END AS paid_edge,
       CASE match_rank WHEN 2 THEN 'certain' WHEN 1 THEN 'probable' ELSE 'possible' END AS match_tier,
       t.post AS post, max_share,
       CASE WHEN payments_in_tenure > 0 THEN 'high' ELSE 'medium' END AS severity,
       payments_count, CASE WHEN payments_count = 0 THEN NULL ELSE payments_sum END AS payments_sum,
       payments_first_day, payments_last_day, payments_in_tenure
