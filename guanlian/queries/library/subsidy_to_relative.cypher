// ---
// id: subsidy_to_relative
// title_zh: 惠民补贴发放给本单位或审批单位官员的亲属
// title_en: Subsidies paid to relatives of officials of the paying or approving unit
// severity: high
// why_zh: >-
//   单位发放的惠民惠农补贴（付款渠道为补贴）的领取人是本单位官员的亲属，且发放时官员在任。
//   可能存在优亲厚友、虚报冒领（惠民惠农财政补贴资金"一卡通"专项治理的重点）。
// why_en: >-
//   A subsidy (payment channel "subsidy") of the unit went to a relative of one of its officials while he was in post:
//   favouritism or false claims, a focus of the campaigns on subsidy funds.
// params:
//   channel: {type: string, default: subsidy, doc: the PAYMENT channel that marks subsidies}
//   min_match_tier: {type: tier, default: possible, doc: weakest identity link accepted between the family record and the payee}
// returns:
//   official: {node: Person, role: official}
//   relative: {node: Person, role: relative}
//   payee: {node: Person, role: payee, doc: the subsidy recipient (the same node when the ID matches)}
//   unit: {node: Unit, role: unit, doc: "the official's unit: the paying unit, or the approving unit"}
//   payer: {node: Unit, role: payer, doc: the unit that paid}
//   serves_edge: {edge: SERVES_IN}
//   relative_edge: {edge: RELATIVE_OF}
//   match_edge: {edge: POSSIBLY_SAME, ends: [relative, payee]}
//   paid_edge: {edge: PAID}
//   match_tier: {type: string}
//   relation_term: {type: string}
//   post: {type: string}
//   items: {type: list}
//   payments_count: {type: int}
//   payments_sum: {type: money}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
//   payments_in_tenure: {type: int}
// case: [official, relative, unit, payer]
// explain: kinship
// explain_zh: >-
//   {unit}向{official}（{post}）的{relation_term}{relative}{match_zh}发放补贴（{items}）；{payments_zh}。
// explain_en: >-
//   {unit} paid subsidies ({items}) to {relative}, the {relation} of {official} ({post}){match_en};
//   {payments_en}.
// example: 农业农村局向本局科长陈明的父亲发放耕地地力保护补贴3笔，合计4,500元，均在其任期内。
// ---
// The identity hop runs once per payee, then joins the payments (DISTINCT keeps Neo4j from re-expanding
// RELATIVE_OF per payment: 27 s -> 12 s at 1M rows; LadybugDB unchanged).
MATCH (:Unit)-[p0:PAYMENT]->(h:Person)
WHERE p0.channel = $channel
WITH DISTINCT h
OPTIONAL MATCH (h)-[fs:POSSIBLY_SAME]-(f:Person)
WHERE fs.tier_rank >= $min_match_tier
WITH h, collect(f.key) + [h.key] AS same_keys
UNWIND same_keys AS rk
MATCH (r:Person)-[k:RELATIVE_OF]->(o:Person)-[t:SERVES_IN]->(ou:Unit)
WHERE r.key = rk
WITH DISTINCT h, r, k, o, t, ou
MATCH (u:Unit)-[p:PAYMENT]->(h)
WHERE p.channel = $channel AND (ou.key = u.key OR ou.key = p.approver_unit)
OPTIONAL MATCH (r)-[s:POSSIBLY_SAME]-(h)
WITH u, ou, p, h, r, k, o, t, s, CASE WHEN r.key = h.key THEN 2 ELSE s.tier_rank END AS match_rank
WHERE match_rank >= $min_match_tier
WITH u, ou, h, r, k, o, t, s, match_rank,
     count(p) AS payments_count, sum(p.amount) AS payments_sum,
     min(p.paid_on_day) AS payments_first_day, max(p.paid_on_day) AS payments_last_day,
     sum(CASE WHEN p.paid_on_day >= coalesce(t.term_start_day, -1000000)
               AND p.paid_on_day <= coalesce(t.term_end_day, 1000000) THEN 1 ELSE 0 END) AS payments_in_tenure,
     collect(DISTINCT p.item) AS items
WHERE payments_in_tenure > 0
OPTIONAL MATCH (u)-[pd:PAID]->(h)
RETURN o.key AS official, r.key AS relative, h.key AS payee, ou.key AS unit, u.key AS payer,
       t.key AS serves_edge, k.key AS relative_edge, s.key AS match_edge, s AS match_edge_data, pd.key AS paid_edge,
       CASE match_rank WHEN 2 THEN 'certain' WHEN 1 THEN 'probable' ELSE 'possible' END AS match_tier,
       k.term AS relation_term, t.post AS post, items,
       payments_count, payments_sum, payments_first_day, payments_last_day, payments_in_tenure
