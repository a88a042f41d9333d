// Neo4j text of supplier_ring.cypher (same answer, tests compare): keep only the shared contacts and legal
// representatives held by at least $min_ring companies before walking to the paying units. A ring needs
// $min_ring companies with distinct names on one contact, so this drops nothing. Neo4j otherwise expands every
// paid company's relationship chain to reach its contacts and representatives (about 15 edges each, 1.4M db hits
// per branch at 1M rows) and groups 300k (unit, contact) pairs; the contact side's chains are short, and the
// representatives are read by a LEGAL_REP_OF type scan (3.6 s -> 0.54 s). LadybugDB keeps the base text.
MATCH (x:Phone|Address|Email|Account)<-[:HAS_PHONE|HAS_ADDRESS|HAS_EMAIL|HAS_ACCOUNT]-(:Company)
WITH x, count(*) AS holders
WHERE holders >= $min_ring
MATCH (u:Unit)-[pd:PAID]->(c:Company)-[e:HAS_PHONE|HAS_ADDRESS|HAS_EMAIL|HAS_ACCOUNT]->(x)
WITH u, x, collect(DISTINCT c.key) AS companies, collect(DISTINCT pd.key) AS paid_edges,
     collect(DISTINCT e.key) AS shared_edges, sum(pd.payments) AS payments_count, sum(pd.total) AS payments_sum,
     min(pd.first_paid_day) AS payments_first_day, max(pd.last_paid_day) AS payments_last_day,
     size(collect(DISTINCT coalesce(c.name_norm, c.name))) AS ring_size
WHERE ring_size >= $min_ring
RETURN u.key AS unit, x.key AS shared, [x.key] AS shared_all, companies, paid_edges, shared_edges, ring_size,
       payments_count, payments_sum, payments_first_day, payments_last_day,
       '共用' AS basis_zh, 'share' AS basis_en, 'certain' AS confidence
UNION ALL
MATCH (x:Person)-[rep:LEGAL_REP_OF]->(:Company)
USING SCAN rep:LEGAL_REP_OF
WITH x, count(*) AS holders
WHERE holders >= $min_ring
MATCH (u:Unit)-[pd:PAID]->(c:Company)<-[e:LEGAL_REP_OF]-(x)
WITH u, x, collect(DISTINCT c.key) AS companies, collect(DISTINCT pd.key) AS paid_edges,
     collect(DISTINCT e.key) AS shared_edges, sum(pd.payments) AS payments_count, sum(pd.total) AS payments_sum,
     min(pd.first_paid_day) AS payments_first_day, max(pd.last_paid_day) AS payments_last_day,
     size(collect(DISTINCT coalesce(c.name_norm, c.name))) AS ring_size
WHERE ring_size >= $min_ring
RETURN u.key AS unit, x.key AS shared, [x.key] AS shared_all, companies, paid_edges, shared_edges, ring_size,
       payments_count, payments_sum, payments_first_day, payments_last_day,
       '共用' AS basis_zh, 'share' AS basis_en, 'certain' AS confidence
UNION ALL
MATCH (u:Unit)-[pd:PAID]->(c:Company)<-[e:LEGAL_REP_OF]-(x:Person)
WHERE x.key STARTS WITH 'anon:'
WITH u, coalesce(x.name_norm, x.name) AS rep, min(x.key) AS shared, collect(DISTINCT x.key) AS shared_all,
     collect(DISTINCT c.key) AS companies, collect(DISTINCT pd.key) AS paid_edges,
     collect(DISTINCT e.key) AS shared_edges, sum(pd.payments) AS payments_count, sum(pd.total) AS payments_sum,
     min(pd.first_paid_day) AS payments_first_day, max(pd.last_paid_day) AS payments_last_day,
     size(collect(DISTINCT coalesce(c.name_norm, c.name))) AS ring_size
WHERE ring_size >= $min_ring AND size(shared_all) >= 2
RETURN u.key AS unit, shared, shared_all, companies, paid_edges, shared_edges, ring_size,
       payments_count, payments_sum, payments_first_day, payments_last_day,
       '的法定代表人均无身份证号、仅同名' AS basis_zh, 'have ID-less legal representatives who only share the name' AS basis_en,
       'possible' AS confidence
