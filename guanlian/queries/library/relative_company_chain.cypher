// ---
// id: relative_company_chain
// title_zh: 官员亲属通过多层持股控制的企业收到本单位付款
// title_en: A company the relative controls through a shareholding chain was paid by the official's unit
// severity: high
// why_zh: >-
//   亲属持有（或任职于）A公司，A公司经一至三层持股控制B公司，B公司在官员任期内收到本单位付款。
//   多层持股常被用来隐藏利益关系；穿透后的实际持股比例为链上各层比例之积。
// why_en: >-
//   The relative holds shares in (or a post at) company A, which owns company B through one to three shareholding
//   hops, and the official's unit paid B during his tenure. Chains hide the interest; the effective share is the
//   product of the shares along the chain (a post at A counts as 100%).
// params:
//   min_share: {type: float, default: 0.1, doc: smallest effective share (product along the chain) that counts}
//   min_match_tier: {type: tier, default: possible, doc: weakest identity link accepted}
// returns:
//   official: {node: Person, role: official}
//   relative: {node: Person, role: relative}
//   holder: {node: Person, role: relative}
//   first_company: {node: Company, role: intermediary}
//   company: {node: Company, role: company, doc: the paid company}
//   unit: {node: Unit, role: unit}
//   serves_edge: {edge: SERVES_IN}
//   relative_edge: {edge: RELATIVE_OF}
//   match_edge: {edge: POSSIBLY_SAME, ends: [relative, holder]}
//   link_edges: {edge: [SHAREHOLDER_OF, OFFICER_OF, LEGAL_REP_OF], many: true}
//   chain_edges: {edge: SHAREHOLDER_OF, many: true, doc: the shareholding hops from the first company to the paid one (their ends are the companies in between)}
//   paid_edge: {edge: PAID}
//   match_tier: {type: string}
//   relation_term: {type: string}
//   post: {type: string}
//   effective_share: {type: float}
//   hops: {type: int}
//   payments_count: {type: int}
//   payments_sum: {type: money}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
//   payments_in_tenure: {type: int}
// case: [official, relative, company, unit]
// explain: kinship
// explain_zh: >-
//   {official}（{unit}{post}）的{relation_term}{relative}{match_zh}，经{first_company}穿透{hops}层持股，
//   实际持有{company}约{effective_share:.1%}的股份；{payments_zh}。
// explain_en: >-
//   The {relation} {relative} of {official} ({post}, {unit}){match_en} owns about {effective_share:.1%} of
//   {company} through {first_company} ({hops} shareholding hops); {payments_en}.
// example: 王建国的岳母持有A公司60%，A持有B公司50%，B持有C公司80%；C公司在其任期内收到住建局付款，穿透持股24%。
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
OPTIONAL MATCH (r)-[s:POSSIBLY_SAME]-(h)
WITH o, t, u, r, k, h, s, CASE WHEN r.key = h.key THEN 2 ELSE s.tier_rank END AS match_rank
WHERE match_rank >= $min_match_tier
MATCH (h)-[l:SHAREHOLDER_OF|OFFICER_OF|LEGAL_REP_OF]->(a:Company)
WITH o, t, u, r, k, h, s, match_rank, a, max(coalesce(l.share, 1.0)) AS holder_share, collect(l.key) AS link_edges
MATCH (a)-[ch:SHAREHOLDER_OF*1..3]->(b:Company)
WHERE a.key <> b.key
MATCH (u)-[pd:PAID]->(b)
WITH o, t, u, r, k, h, a, b, pd, s, match_rank, link_edges,
     holder_share * reduce(x = 1.0, e IN ch | x * coalesce(e.share, 0.0)) AS effective_share,
     [e IN ch | e.key] AS chain_edges, size(ch) AS hops
WHERE effective_share >= $min_share
MATCH (u)-[p:PAYMENT]->(b)
WITH o, t, u, r, k, h, a, b, pd, s, match_rank, link_edges, effective_share, chain_edges, hops,
     count(p) AS payments_count, sum(p.amount) AS payments_sum,
     min(p.paid_on_day) AS payments_first_day, max(p.paid_on_day) AS payments_last_day,
     sum(CASE WHEN p.paid_on_day >= coalesce(t.term_start_day, -1000000)
               AND p.paid_on_day <= coalesce(t.term_end_day, 1000000) THEN 1 ELSE 0 END) AS payments_in_tenure
WHERE payments_in_tenure > 0
RETURN o.key AS official, r.key AS relative, h.key AS holder, a.key AS first_company, b.key AS company,
       u.key AS unit, t.key AS serves_edge, k.key AS relative_edge, s.key AS match_edge, s AS match_edge_data,
       link_edges,
       chain_edges, pd.key AS paid_edge,
       CASE match_rank WHEN 2 THEN 'certain' WHEN 1 THEN 'probable' ELSE 'possible' END AS match_tier,
       k.term AS relation_term, t.post AS post, effective_share, hops,
       payments_count, payments_sum, payments_first_day, payments_last_day, payments_in_tenure
