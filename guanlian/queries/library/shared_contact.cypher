// ---
// id: shared_contact
// title_zh: 收款企业的登记电话、邮箱或地址与官员或其亲属相同
// title_en: A paid company's registered phone, e-mail or address is the official's or a relative's
// severity: high
// why_zh: >-
//   企业股东和高管中没有官员及其亲属的名字，但企业登记的联系电话、电子邮箱或注册地址与官员本人或其亲属相同，
//   且企业在官员任期内收到本单位付款。可能是他人代持、隐名经营（电话、邮箱为高风险，地址为中风险）。
// why_en: >-
//   No name links the official or his relatives to the company, yet its registered phone, e-mail or address is theirs,
//   and his unit paid it during his tenure: a sign of a nominee owner (phone and e-mail high, address medium).
// params: {}
// returns:
//   official: {node: Person, role: official}
//   relative: {node: Person, role: relative, doc: null when the contact is the official's own}
//   contact: {node: [Phone, Email, Address], role: contact}
//   company: {node: Company, role: company}
//   unit: {node: Unit, role: unit}
//   serves_edge: {edge: SERVES_IN}
//   relative_edge: {edge: RELATIVE_OF}
//   person_contact_edge: {edge: [HAS_PHONE, HAS_EMAIL, HAS_ADDRESS]}
//   company_contact_edge: {edge: [HAS_PHONE, HAS_EMAIL, HAS_ADDRESS]}
//   paid_edge: {edge: PAID}
//   post: {type: string}
//   relation_term: {type: string}
//   severity: {type: string}
//   payments_count: {type: int}
//   payments_sum: {type: money}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
// case: [official, relative, company, unit]
// explain: contact_owner
// explain_zh: >-
//   {company}登记的联系方式“{contact}”与{official}（{unit}{post}）{relation_zh}相同，但其股东和高管中没有相关人员；{payments_zh}。
// explain_en: >-
//   {company} is registered with "{contact}", which belongs to {official} ({post}, {unit}){relation_en}, though no
//   related name appears among its shareholders or officers; {payments_en}.
// example: 某商贸公司登记电话13807960002是农业农村局科员张伟本人的手机号，该局在其任期内向该公司付款4笔。
// ---
MATCH (c:Company)-[e1:HAS_PHONE|HAS_EMAIL|HAS_ADDRESS]->(x:Phone|Email|Address)<-[e2:HAS_PHONE|HAS_EMAIL|HAS_ADDRESS]-(p:Person)
// o: p itself or the official p is a relative of
OPTIONAL MATCH (p)-[:RELATIVE_OF]->(f:Person)
WITH c, e1, x, e2, p, collect(f.key) + [p.key] AS official_keys
UNWIND official_keys AS ok
MATCH (o:Person)-[t:SERVES_IN]->(u:Unit)
WHERE o.key = ok
MATCH (u)-[pd:PAID]->(c)
WHERE pd.first_paid_day <= coalesce(t.term_end_day, 1000000)
  AND pd.last_paid_day >= coalesce(t.term_start_day, -1000000)
  AND NOT EXISTS { MATCH (p)-[:SHAREHOLDER_OF|OFFICER_OF|LEGAL_REP_OF]->(c) }
OPTIONAL MATCH (p)-[k:RELATIVE_OF]->(o)
RETURN DISTINCT o.key AS official, CASE WHEN p.key = o.key THEN NULL ELSE p.key END AS relative,
       x.key AS contact, c.key AS company, u.key AS unit, t.key AS serves_edge, k.key AS relative_edge,
       e2.key AS person_contact_edge, e1.key AS company_contact_edge, pd.key AS paid_edge,
       t.post AS post, k.term AS relation_term,
       CASE WHEN x.key STARTS WITH 'addr:' THEN 'medium' ELSE 'high' END AS severity,
       pd.payments AS payments_count, pd.total AS payments_sum,
       pd.first_paid_day AS payments_first_day, pd.last_paid_day AS payments_last_day
