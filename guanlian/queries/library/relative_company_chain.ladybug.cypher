// LadybugDB has no list comprehension or reduce: list_product / properties(rels(...)) instead.
MATCH (o:Person)-[t:SERVES_IN]->(u:Unit)
MATCH (r:Person)-[k:RELATIVE_OF]->(o)
// h: r itself or one POSSIBLY_SAME hop away (faster on LadybugDB than the equivalent -[:POSSIBLY_SAME*0..1]-)
OPTIONAL MATCH (r)-[fs:POSSIBLY_SAME]-(f:Person)
WHERE fs.tier_rank >= $min_match_tier
WITH o, t, u, r, k, collect(f.key) + [r.key] AS same_keys
UNWIND same_keys AS hk
MATCH (h:Person) WHERE h.key = hk
OPTIONAL MATCH (r)-[s:POSSIBLY_SAME]-(h)
WITH o, t, u, r, k, h, s, CASE WHEN r.key = h.key THEN 2 ELSE s.tier_rank END AS match_rank
WHERE match_rank >= $min_match_tier
MATCH (h)-[l:SHAREHOLDER_OF|OFFICER_OF|LEGAL_REP_OF]->(a:Company)
WITH o, t, u, r, k, h, s, match_rank, a, max(coalesce(l.share, 1.0)) AS holder_share, collect(l.key) AS link_edges
MATCH (a)-[ch:SHAREHOLDER_OF*1..3]->(b:Company)
WHERE a.key <> b.key
MATCH (u)-[pd:PAID]->(b)
WITH o, t, u, r, k, h, a, b, pd, s, match_rank, link_edges,
     holder_share * list_product(properties(rels(ch), 'share')) AS effective_share,
     properties(rels(ch), 'key') AS chain_edges, size(rels(ch)) AS hops
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
