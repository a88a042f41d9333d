// ---
// id: revolving_door
// title_zh: 离任官员到原单位的收款企业持股或任职（旋转门）
// title_en: A former official joined a company that his former unit paid after he left (revolving door)
// severity: high
// why_zh: >-
//   官员离任后成为企业的股东、法定代表人或高管，而原单位在其离任后的从业限制期内向该企业付款。
//   违反领导干部离职后从业限制（离职三年内不得到与原工作业务直接相关的企业任职）的规定，可能存在"期权腐败"。
// why_en: >-
//   After leaving his post the official became shareholder, legal representative or officer of a company that his former
//   unit then paid within the cooling-off period (cadres may not join firms tied to their former work for three years):
//   a sign of deferred rewards.
// params:
//   window_days: {type: int, default: 1095, doc: payments within this many days after the official left}
//   min_match_tier: {type: tier, default: possible, doc: weakest identity link accepted}
// returns:
//   official: {node: Person, role: official}
//   holder: {node: Person, role: official, doc: the registry person (the same node when the ID matches)}
//   company: {node: Company, role: company}
//   unit: {node: Unit, role: unit}
//   serves_edge: {edge: SERVES_IN}
//   match_edge: {edge: POSSIBLY_SAME, ends: [official, holder]}
//   link_edges: {edge: [SHAREHOLDER_OF, OFFICER_OF, LEGAL_REP_OF, CHANGE], many: true, doc: "the holder's roles in the company and the change record of joining it (the holder's, or an ID-less change-log record of the holder's name)"}
//   paid_edge: {edge: PAID}
//   match_tier: {type: string}
//   post: {type: string}
//   term_end_day: {type: int}
//   payments_count: {type: int}
//   payments_sum: {type: money}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
//   payments_after_leaving: {type: int}
// case: [official, company, unit]
// explain: company_roles
// explain_zh: >-
//   {official}于{term_end}离任{unit}{post}，此后{match_zh}成为{company}的{link_zh}；
//   原单位在其离任后{window_days}天内向该企业付款{payments_after_leaving}笔；双方全部往来：{payments_zh}。
// explain_en: >-
//   {official} left the post of {post} at {unit} on {term_end} and{match_en} became {link_en} of {company}; the
//   former unit paid it {payments_after_leaving} times within {window_days} days after he left; all payments between
//   them: {payments_en}.
// example: 交通运输局原副局长张伟2017年底离任，2018年到某工程公司任总经理，该局2019年向该公司付款3笔。
// ---
MATCH (o:Person)-[t:SERVES_IN]->(u:Unit)
WHERE t.term_end_day IS NOT NULL
// h: o itself or one POSSIBLY_SAME hop away (faster on LadybugDB than the equivalent -[:POSSIBLY_SAME*0..1]-)
OPTIONAL MATCH (o)-[fs:POSSIBLY_SAME]-(f:Person)
WHERE fs.tier_rank >= $min_match_tier
WITH o, t, u, collect(f.key) + [o.key] AS same_keys
UNWIND same_keys AS hk
MATCH (h:Person)
WHERE h.key = hk
MATCH (h)-[l:SHAREHOLDER_OF|OFFICER_OF|LEGAL_REP_OF]->(c:Company)
MATCH (u)-[pd:PAID]->(c)
WHERE pd.last_paid_day > t.term_end_day
OPTIONAL MATCH (o)-[s:POSSIBLY_SAME]-(h)
WITH o, t, u, h, c, pd, s, l, CASE WHEN o.key = h.key THEN 2 ELSE s.tier_rank END AS match_rank
WHERE match_rank >= $min_match_tier
// the change log's "joined" record: h's own, or (change logs often carry no ID) an ID-less record of h's name
OPTIONAL MATCH (x:Person)-[j:CHANGE]->(c)
WHERE j.action = 'joined' AND (x.key = h.key OR (x.name = h.name AND x.id_number IS NULL))
WITH o, t, u, h, c, pd, s, match_rank, collect(DISTINCT l.key) + collect(DISTINCT j.key) AS link_edges
MATCH (u)-[p:PAYMENT]->(c)
WITH o, t, u, h, c, pd, s, match_rank, link_edges,
     count(p) AS payments_count, sum(p.amount) AS payments_sum,
     min(p.paid_on_day) AS payments_first_day, max(p.paid_on_day) AS payments_last_day,
     sum(CASE WHEN p.paid_on_day > t.term_end_day AND p.paid_on_day <= t.term_end_day + $window_days
              THEN 1 ELSE 0 END) AS payments_after_leaving
WHERE payments_after_leaving > 0
RETURN o.key AS official, h.key AS holder, c.key AS company, u.key AS unit, t.key AS serves_edge,
       s.key AS match_edge, s AS match_edge_data, link_edges, pd.key AS paid_edge,
       CASE match_rank WHEN 2 THEN 'certain' WHEN 1 THEN 'probable' ELSE 'possible' END AS match_tier,
       t.post AS post, t.term_end_day AS term_end_day,
       payments_count, payments_sum, payments_first_day, payments_last_day, payments_after_leaving
