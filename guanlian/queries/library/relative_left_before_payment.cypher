// ---
// id: relative_left_before_payment
// title_zh: 亲属在本单位首笔付款前退出或付款后加入企业
// title_en: A relative left the company shortly before the unit's first payment, or joined right after
// severity: high
// why_zh: >-
//   工商变更记录显示，官员亲属在本单位向企业首次付款前不久退出股东/高管名单，或在首次付款后不久加入。
//   这是为规避利益冲突审查而"突击退股""事后入股"的常见手法；首笔付款须在官员任期内。
// why_en: >-
//   The registry change log shows the official's relative leaving the company's shareholders or officers shortly before
//   the unit's first payment to it, or joining shortly after: a common way to dodge conflict-of-interest checks.
//   The first payment must fall within the official's tenure. Change records often carry no ID: a change-log name
//   equal to the holder's, in the company the holder currently holds or serves, counts as the holder.
// params:
//   window_days: {type: int, default: 180, doc: days before (left) or after (joined) the first payment}
//   min_match_tier: {type: tier, default: possible, doc: weakest identity link accepted}
// returns:
//   official: {node: Person, role: official}
//   relative: {node: Person, role: relative}
//   holder: {node: Person, role: relative, doc: the registry person (the same node when the ID matches)}
//   change_person: {node: Person, role: relative, doc: "the person in the change record: the holder, or a namesake in the same company's change log while the holder is its shareholder or officer"}
//   company: {node: Company, role: company}
//   unit: {node: Unit, role: unit}
//   serves_edge: {edge: SERVES_IN}
//   relative_edge: {edge: RELATIVE_OF}
//   match_edge: {edge: POSSIBLY_SAME, ends: [relative, holder]}
//   change_edge: {edge: CHANGE}
//   link_edges: {edge: [SHAREHOLDER_OF, OFFICER_OF, LEGAL_REP_OF], many: true}
//   paid_edge: {edge: PAID}
//   match_tier: {type: string}
//   relation_term: {type: string}
//   post: {type: string}
//   action: {type: string, doc: left or joined}
//   changed_on_day: {type: int}
//   days_from_first_payment: {type: int, doc: change day minus first payment day (negative = before)}
//   payments_count: {type: int}
//   payments_sum: {type: money}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
//   payments_in_tenure: {type: int}
// case: [official, relative, company, unit]
// explain: [kinship, change_action]
// explain_zh: >-
//   {official}（{unit}{post}）的{relation_term}{relative}{match_zh}于{changed_on}{action_zh}{company}，
//   与该单位首笔付款相距{days_abs}天；{payments_zh}。
// explain_en: >-
//   The {relation} {relative} of {official} ({post}, {unit}){match_en} {action_en} {company} on {changed_on},
//   {days_abs} days from the unit's first payment; {payments_en}.
// example: 局长之妻于2020-03-01退出某工程公司股东名单，45天后该局首次向该公司付款。
// ---
// Both branches start from the registry change and the unit's first payment within the window (few rows), then
// go to the people: h, its identity links (r is h itself or one POSSIBLY_SAME hop away, tier >= $min_match_tier),
// r's official and the post. Starting from the officials (every post of every unit, ~84k rows at 1M) took 2.2 s at
// 1M; this order 0.8 s, the same rows. `MATCH (r:Person) WHERE r.key = rk`: LadybugDB takes no variable in a
// pattern's property map.
MATCH (h:Person)-[ch:CHANGE]->(c:Company)<-[pd:PAID]-(u:Unit)
WHERE (ch.action = 'left' AND ch.changed_on_day <= pd.first_paid_day
        AND ch.changed_on_day >= pd.first_paid_day - $window_days)
    OR (ch.action = 'joined' AND ch.changed_on_day >= pd.first_paid_day
        AND ch.changed_on_day <= pd.first_paid_day + $window_days)
OPTIONAL MATCH (h)-[fs:POSSIBLY_SAME]-(f:Person)
WHERE fs.tier_rank >= $min_match_tier
WITH h, ch, c, pd, u, collect(f.key) + [h.key] AS same_keys
UNWIND same_keys AS rk
MATCH (r:Person)-[k:RELATIVE_OF]->(o:Person)-[t:SERVES_IN]->(u)
WHERE r.key = rk
  AND pd.first_paid_day >= coalesce(t.term_start_day, -1000000)
  AND pd.first_paid_day <= coalesce(t.term_end_day, 1000000)
OPTIONAL MATCH (h)-[l:SHAREHOLDER_OF|OFFICER_OF|LEGAL_REP_OF]->(c)
// `h.key + ''`, not `h.key`: LadybugDB 0.22 lets a plain `h.key AS x_key` here leak into the other UNION
// branch, where `h.key` then returns x's key (measured; Neo4j is unaffected).
WITH o, t, u, r, k, h, h.key + '' AS x_key, c, pd, ch, collect(DISTINCT l.key) AS link_edges
OPTIONAL MATCH (r)-[s:POSSIBLY_SAME]-(h)
WITH o, t, u, r, k, h, x_key, c, pd, s, ch, link_edges, CASE WHEN r.key = h.key THEN 2 ELSE s.tier_rank END AS match_rank
WHERE match_rank >= $min_match_tier
MATCH (u)-[p:PAYMENT]->(c)
WITH o, t, u, r, k, h, x_key, c, pd, s, ch, link_edges, match_rank,
     count(p) AS payments_count, sum(p.amount) AS payments_sum,
     min(p.paid_on_day) AS payments_first_day, max(p.paid_on_day) AS payments_last_day,
     sum(CASE WHEN p.paid_on_day >= coalesce(t.term_start_day, -1000000)
               AND p.paid_on_day <= coalesce(t.term_end_day, 1000000) THEN 1 ELSE 0 END) AS payments_in_tenure
RETURN o.key AS official, r.key AS relative, h.key AS holder, x_key AS change_person, c.key AS company,
       u.key AS unit, t.key AS serves_edge, k.key AS relative_edge, s.key AS match_edge, s AS match_edge_data, ch.key AS change_edge,
       link_edges, pd.key AS paid_edge,
       CASE match_rank WHEN 2 THEN 'certain' WHEN 1 THEN 'probable' ELSE 'possible' END AS match_tier,
       k.term AS relation_term, t.post AS post, ch.action AS action, ch.changed_on_day AS changed_on_day,
       ch.changed_on_day - pd.first_paid_day AS days_from_first_payment,
       payments_count, payments_sum, payments_first_day, payments_last_day, payments_in_tenure
UNION ALL
MATCH (x:Person)-[ch:CHANGE]->(c:Company)<-[pd:PAID]-(u:Unit)
WHERE (ch.action = 'left' AND ch.changed_on_day <= pd.first_paid_day
        AND ch.changed_on_day >= pd.first_paid_day - $window_days)
    OR (ch.action = 'joined' AND ch.changed_on_day >= pd.first_paid_day
        AND ch.changed_on_day <= pd.first_paid_day + $window_days)
MATCH (h:Person)-[l:SHAREHOLDER_OF|OFFICER_OF|LEGAL_REP_OF]->(c)
WHERE x.key <> h.key AND x.name = h.name
OPTIONAL MATCH (h)-[fs:POSSIBLY_SAME]-(f:Person)
WHERE fs.tier_rank >= $min_match_tier
WITH x, h, l, ch, c, pd, u, collect(f.key) + [h.key] AS same_keys
UNWIND same_keys AS rk
MATCH (r:Person)-[k:RELATIVE_OF]->(o:Person)-[t:SERVES_IN]->(u)
WHERE r.key = rk
  AND pd.first_paid_day >= coalesce(t.term_start_day, -1000000)
  AND pd.first_paid_day <= coalesce(t.term_end_day, 1000000)
WITH o, t, u, r, k, h, x.key AS x_key, c, pd, ch, collect(DISTINCT l.key) AS link_edges
OPTIONAL MATCH (r)-[s:POSSIBLY_SAME]-(h)
WITH o, t, u, r, k, h, x_key, c, pd, s, ch, link_edges, CASE WHEN r.key = h.key THEN 2 ELSE s.tier_rank END AS match_rank
WHERE match_rank >= $min_match_tier
MATCH (u)-[p:PAYMENT]->(c)
WITH o, t, u, r, k, h, x_key, c, pd, s, ch, link_edges, match_rank,
     count(p) AS payments_count, sum(p.amount) AS payments_sum,
     min(p.paid_on_day) AS payments_first_day, max(p.paid_on_day) AS payments_last_day,
     sum(CASE WHEN p.paid_on_day >= coalesce(t.term_start_day, -1000000)
               AND p.paid_on_day <= coalesce(t.term_end_day, 1000000) THEN 1 ELSE 0 END) AS payments_in_tenure
RETURN o.key AS official, r.key AS relative, h.key AS holder, x_key AS change_person, c.key AS company,
       u.key AS unit, t.key AS serves_edge, k.key AS relative_edge, s.key AS match_edge, s AS match_edge_data, ch.key AS change_edge,
       link_edges, pd.key AS paid_edge,
       CASE match_rank WHEN 2 THEN 'certain' WHEN 1 THEN 'probable' ELSE 'possible' END AS match_tier,
       k.term AS relation_term, t.post AS post, ch.action AS action, ch.changed_on_day AS changed_on_day,
       ch.changed_on_day - pd.first_paid_day AS days_from_first_payment,
       payments_count, payments_sum, payments_first_day, payments_last_day, payments_in_tenure
