// ---
// id: ambiguous_payee
// title_zh: 收款单位名称对应多家登记企业（无代码或账号可区分，未替您选定）
// title_en: A payee's name matches several registered companies (no code or account decides; none was picked)
// severity: low
// why_zh: >-
//   付款记录只写了收款单位名称，而登记信息中有多家企业同名（例如一家存续、一家已注销）。系统不猜测付给了哪一家：
//   每个候选企业都列出，按成立、注销日期等证据标注可能性（付款日尚未成立或已注销的可能性较低）。请调取凭证、合同或收款账户核实；
//   核实前，依赖收款企业身份的其他线索（如"已注销仍收款"）不会落在任何一家上。
// why_en: >-
//   The ledger names the payee only by name, and several registered companies share that name (say one active, one
//   deregistered). Which one was paid is not guessed: every candidate is listed with the likelihood its evidence
//   supports (one not yet founded, or already deregistered, on the payment dates is less likely). Check the
//   vouchers, contracts or the receiving account; until then, checks that depend on who was paid (such as "paid
//   while deregistered") do not fire on either.
// params: {}
// returns:
//   company: {node: Company, role: company, doc: the payee as the ledger names it}
//   candidates: {node: Company, role: candidate, many: true, doc: the registered companies of that name}
//   unit: {node: Unit, role: unit}
//   paid_edge: {edge: PAID}
//   link_edges: {edge: MAY_BE, many: true}
//   namesakes: {type: int}
//   payments_count: {type: int}
//   payments_sum: {type: float}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
// explain_zh: >-
//   {unit}向"{company}"付款（{payments_zh}），收款单位名称对应{namesakes}家登记企业：{may_be_zh}。未替您选定其中一家。
// explain_en: >-
//   {unit} paid "{company}" ({payments_en}); the payee's name matches {namesakes} registered companies: {may_be_en}.
//   None of them was picked.
// explain: name_candidates
// example: 交通运输局向"吉安市新源物业管理有限公司"付款3笔，登记信息中有两家同名企业（一家存续、一家已注销）。
// ---
MATCH (u:Unit)-[pd:PAID]->(c:Company)-[m:MAY_BE]->(cand:Company)
WITH u, pd, c, collect(cand.key) AS candidates, collect(m.key) AS link_edges, count(m) AS namesakes
RETURN c.key AS company, candidates, u.key AS unit, pd.key AS paid_edge, link_edges, namesakes,
       pd.payments AS payments_count, pd.total AS payments_sum,
       pd.first_paid_day AS payments_first_day, pd.last_paid_day AS payments_last_day
