// Neo4j text of relative_across_units.cypher (same answer, tests compare): an identity candidate must itself be
// a relative, so candidates are first checked against the collected relative keys (a hashed IN in Neo4j).
// Without this, Neo4j expanded RELATIVE_OF from every namesake candidate (11.8M db hits at 1M rows);
// LadybugDB evaluates IN over a list linearly per row, so it keeps the base text.
// USING JOIN ON c: both units' paid companies (tenure-filtered) are hash-joined on the company; without it Neo4j
// expanded the second unit's PAID edges and then checked (u)-[:PAID]->(c) by walking each company's relationship
// chain (2.9M db hits at 1M rows; 4.7 s -> 2.1 s).
MATCH (rx:Person)-[:RELATIVE_OF]->(:Person)
WITH collect(DISTINCT rx.key) AS relative_keys
MATCH (r:Person)-[k:RELATIVE_OF]->(o:Person)-[t:SERVES_IN]->(u:Unit)
OPTIONAL MATCH (r)-[fs:POSSIBLY_SAME]-(f:Person)
WHERE fs.tier_rank >= $min_match_tier AND f.key IN relative_keys
WITH r, k, o, t, u, collect(f.key) + [r.key] AS same_keys
UNWIND same_keys AS rk
MATCH (r2:Person)-[k2:RELATIVE_OF]->(o2:Person)-[t2:SERVES_IN]->(u2:Unit)
WHERE r2.key = rk AND u.key < u2.key AND o.key <> o2.key
OPTIONAL MATCH (r)-[s:POSSIBLY_SAME]-(r2)
WITH r, k, o, t, u, r2, k2, o2, t2, u2, s, CASE WHEN r.key = r2.key THEN 2 ELSE s.tier_rank END AS match_rank
WHERE match_rank >= $min_match_tier
MATCH (u)-[pd:PAID]->(c:Company)<-[pd2:PAID]-(u2)
USING JOIN ON c
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
