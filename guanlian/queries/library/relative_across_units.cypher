// ---
// id: relative_across_units
// title_zh: 同一人是多个单位官员的亲属，这些单位都向同一企业付款
// title_en: One person is a relative of officials in several units that all pay the same company
// severity: medium
// why_zh: >-
//   同一个人（身份证号相同或疑似同一人）同时是两个单位官员的亲属，而这两个单位在官员任期内都向同一家企业付款。
//   可能是通过亲属网络跨单位协调输送利益，需核查该企业与这名亲属的关系。
// why_en: >-
//   The same person (same ID, or probably the same) is a relative of officials in two units, and both units paid one
//   company during those officials' tenures: a family network steering money across units.
// params:
//   min_match_tier: {type: tier, default: possible, doc: weakest identity link accepted between the two family records}
// returns:
//   relative: {node: Person, role: relative}
//   relative_2: {node: Person, role: relative, doc: the second family record (the same node when the ID matches)}
//   official: {node: Person, role: official}
//   official_2: {node: Person, role: official}
//   unit: {node: Unit, role: unit}
//   unit_2: {node: Unit, role: unit}
//   company: {node: Company, role: company}
//   relative_edge: {edge: RELATIVE_OF}
//   relative_edge_2: {edge: RELATIVE_OF}
//   match_edge: {edge: POSSIBLY_SAME, ends: [relative, relative_2]}
//   serves_edge: {edge: SERVES_IN}
//   serves_edge_2: {edge: SERVES_IN}
//   paid_edge: {edge: PAID}
//   paid_edge_2: {edge: PAID}
//   match_tier: {type: string}
//   payments_count: {type: int}
//   payments_sum: {type: money}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
// case: [company]
// explain_zh: >-
//   {relative}{match_zh}既是{official}（{unit}）的亲属，也是{official_2}（{unit_2}）的亲属；两个单位都向{company}付款；{payments_zh}。
// explain_en: >-
//   {relative}{match_en} is a relative of both {official} ({unit}) and {official_2} ({unit_2}); both units paid
//   {company}; {payments_en}.
// example: 刘某既是住建局局长的妹妹，又是农业农村局副局长的妻子；两局都向同一家建材公司付款。
// ---
MATCH (r:Person)-[k:RELATIVE_OF]->(o:Person)-[t:SERVES_IN]->(u:Unit)
OPTIONAL MATCH (r)-[fs:POSSIBLY_SAME]-(f:Person)
WHERE fs.tier_rank >= $min_match_tier
WITH r, k, o, t, u, collect(f.key) + [r.key] AS same_keys
UNWIND same_keys AS rk
MATCH (r2:Person)-[k2:RELATIVE_OF]->(o2:Person)-[t2:SERVES_IN]->(u2:Unit)
WHERE r2.key = rk AND u.key < u2.key AND o.key <> o2.key
OPTIONAL MATCH (r)-[s:POSSIBLY_SAME]-(r2)
WITH r, k, o, t, u, r2, k2, o2, t2, u2, s, CASE WHEN r.key = r2.key THEN 2 ELSE s.tier_rank END AS match_rank
WHERE match_rank >= $min_match_tier
MATCH (u)-[pd:PAID]->(c:Company)<-[pd2:PAID]-(u2)
WHERE pd.first_paid_day <= coalesce(t.term_end_day, 1000000)
  AND pd.last_paid_day >= coalesce(t.term_start_day, -1000000)
  AND pd2.first_paid_day <= coalesce(t2.term_end_day, 1000000)
  AND pd2.last_paid_day >= coalesce(t2.term_start_day, -1000000)
RETURN r.key AS relative, r2.key AS relative_2, o.key AS official, o2.key AS official_2, u.key AS unit,
       u2.key AS unit_2, c.key AS company, k.key AS relative_edge, k2.key AS relative_edge_2,
       s.key AS match_edge, s AS match_edge_data, t.key AS serves_edge, t2.key AS serves_edge_2, pd.key AS paid_edge,
       pd2.key AS paid_edge_2,
       CASE match_rank WHEN 2 THEN 'certain' WHEN 1 THEN 'probable' ELSE 'possible' END AS match_tier,
       pd.payments + pd2.payments AS payments_count, pd.total + pd2.total AS payments_sum,
       CASE WHEN pd.first_paid_day < pd2.first_paid_day THEN pd.first_paid_day ELSE pd2.first_paid_day END
         AS payments_first_day,
       CASE WHEN pd.last_paid_day > pd2.last_paid_day THEN pd.last_paid_day ELSE pd2.last_paid_day END
         AS payments_last_day
