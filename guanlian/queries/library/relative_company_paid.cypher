// ---
// id: relative_company_paid
// title_zh: 官员亲属持股或任职的企业在其任期内收到本单位付款
// title_en: A relative's company was paid by the official's unit during the official's tenure
// severity: high
// why_zh: >-
//   官员的亲属（配偶、子女、岳父母等）是某企业的股东、法定代表人或高管，而该官员所在单位在其任职期间向这家企业付款。
//   这是利用职权为亲属企业谋取利益的典型线索（《中国共产党纪律处分条例》关于利用职权为亲属经营活动谋利、
//   领导干部配偶子女及其配偶经商办企业的规定；案例：局长以岳母名义开办关联公司）。
// why_en: >-
//   A relative of an official (spouse, child, parent-in-law, ...) is shareholder, legal representative or officer of a
//   company that the official's own unit paid while he was in post: the classic conflict of interest (party
//   discipline rules on using one's position to benefit relatives' business; the seeds' mother-in-law case).
// params:
//   min_share: {type: float, default: 0.0, doc: smallest shareholding that counts (0.05 = 5%); posts always count}
//   min_match_tier: {type: tier, default: possible, doc: weakest identity link accepted between the family record and the registry person}
// returns:
//   official: {node: Person, role: official}
//   relative: {node: Person, role: relative, doc: the person in the family record}
//   holder: {node: Person, role: relative, doc: the registry person (the same node when the ID matches)}
//   company: {node: Company, role: company}
//   unit: {node: Unit, role: unit}
//   serves_edge: {edge: SERVES_IN}
//   relative_edge: {edge: RELATIVE_OF}
//   match_edge: {edge: POSSIBLY_SAME, ends: [relative, holder]}
//   link_edges: {edge: [SHAREHOLDER_OF, OFFICER_OF, LEGAL_REP_OF], many: true}
//   paid_edge: {edge: PAID}
//   match_tier: {type: string, doc: certain when the relative and the registry person are one node}
//   relation_term: {type: string}
//   post: {type: string}
//   max_share: {type: float}
//   payments_count: {type: int}
//   payments_sum: {type: money}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
//   payments_in_tenure: {type: int}
// case: [official, relative, company, unit]
// explain: [kinship, company_roles]
// explain_zh: >-
//   {official}（{unit}{post}）的{relation_term}{relative}{match_zh}，是{company}的{link_zh}；
//   {payments_zh}。
// explain_en: >-
//   The {relation} {relative} of {official} ({post}, {unit}){match_en} is {link_en} of {company};
//   {payments_en}.
// example: 王建国（吉安市住建局局长）的岳母刘桂英持有吉安市恒信建材有限公司60%股份，该局在其任期内向该公司付款12笔，合计234.5万元。
// ---
MATCH (o:Person)-[t:SERVES_IN]->(u:Unit)
MATCH (r:Person)-[k:RELATIVE_OF]->(o)
// h: r itself or one POSSIBLY_SAME hop away (faster on LadybugDB than the equivalent -[:POSSIBLY_SAME*0..1]-)
OPTIONAL MATCH (r)-[fs:POSSIBLY_SAME]-(f:Person)
WHERE fs.tier_rank >= $min_match_tier
WITH o, t, u, r, k, collect(f.key) + [r.key] AS same_keys
UNWIND same_keys AS hk
MATCH (h:Person)
WHERE h.key = hk
MATCH (h)-[l:SHAREHOLDER_OF|OFFICER_OF|LEGAL_REP_OF]->(c:Company)
WHERE l.share IS NULL OR l.share >= $min_share
MATCH (u)-[pd:PAID]->(c)
OPTIONAL MATCH (r)-[s:POSSIBLY_SAME]-(h)
WITH o, t, u, r, k, h, c, pd, s, l,
     CASE WHEN r.key = h.key THEN 2 ELSE s.tier_rank END AS match_rank
WHERE match_rank >= $min_match_tier
WITH o, t, u, r, k, h, c, pd, s, match_rank, collect(DISTINCT l.key) AS link_edges, max(l.share) AS max_share
MATCH (u)-[p:PAYMENT]->(c)
WITH o, t, u, r, k, h, c, pd, s, match_rank, link_edges, max_share,
     count(p) AS payments_count, sum(p.amount) AS payments_sum,
     min(p.paid_on_day) AS payments_first_day, max(p.paid_on_day) AS payments_last_day,
     sum(CASE WHEN p.paid_on_day >= coalesce(t.term_start_day, -1000000)
               AND p.paid_on_day <= coalesce(t.term_end_day, 1000000) THEN 1 ELSE 0 END) AS payments_in_tenure
WHERE payments_in_tenure > 0
RETURN o.key AS official, r.key AS relative, h.key AS holder, c.key AS company, u.key AS unit,
       t.key AS serves_edge, k.key AS relative_edge, s.key AS match_edge, s AS match_edge_data, link_edges, pd.key AS paid_edge,
       CASE match_rank WHEN 2 THEN 'certain' WHEN 1 THEN 'probable' ELSE 'possible' END AS match_tier,
       k.term AS relation_term, t.post AS post, max_share,
       payments_count, payments_sum, payments_first_day, payments_last_day, payments_in_tenure
