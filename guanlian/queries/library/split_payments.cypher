// ---
// id: split_payments
// title_zh: 拆分付款：短期内多笔略低于审批限额的付款给同一收款人
// title_en: Split payments just below an approval threshold to one payee within a short window
// severity: medium
// why_zh: >-
//   同一单位在短时间内向同一收款人支付多笔金额略低于审批（或政府采购）限额的款项，
//   可能是为规避集体决策、招标或上级审批而拆分支付（化整为零）。
// why_en: >-
//   One unit paid the same payee several amounts just below an approval (or procurement) threshold within a short
//   window: splitting to dodge collective decision, tendering or higher approval.
// params:
//   threshold: {type: money, default: 50000, doc: the approval threshold in yuan}
//   margin: {type: float, default: 0.1, doc: how far below the threshold still counts (0.1 = within 10%)}
//   window_days: {type: int, default: 30, doc: payments within this many days of each other}
//   min_payments: {type: int, default: 2, doc: fewest such payments in one window}
// returns:
//   unit: {node: Unit, role: unit}
//   payee: {node: [Company, Person], role: payee}
//   payment_edges: {edge: PAYMENT, many: true}
//   paid_edge: {edge: PAID}
//   threshold: {type: money}
//   payments_count: {type: int}
//   payments_sum: {type: money}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
// case: [unit, payee]
// explain_zh: >-
//   {unit}向{payee}支付了{payments_count}笔略低于{threshold:,.0f}元限额的款项，彼此相隔不超过{window_days}天；{payments_zh}。
// explain_en: >-
//   {unit} paid {payee} {payments_count} amounts just below the CNY {threshold:,.0f} threshold, each within
//   {window_days} days of another; {payments_en}.
// example: 住建局在20天内向同一公司支付48,000元、49,500元、49,900元三笔款项（限额5万元）。
// ---
MATCH (u:Unit)-[p:PAYMENT]->(x)
WHERE p.amount < $threshold AND p.amount >= $threshold * (1.0 - $margin)
MATCH (u)-[q:PAYMENT]->(x)
WHERE q.amount < $threshold AND q.amount >= $threshold * (1.0 - $margin)
  AND q.paid_on_day >= p.paid_on_day - $window_days AND q.paid_on_day <= p.paid_on_day + $window_days
WITH u, x, p, count(q) AS near
WHERE near >= $min_payments
WITH u, x, collect(p.key) AS payment_edges, count(p) AS payments_count, sum(p.amount) AS payments_sum,
     min(p.paid_on_day) AS payments_first_day, max(p.paid_on_day) AS payments_last_day
OPTIONAL MATCH (u)-[pd:PAID]->(x)
RETURN u.key AS unit, x.key AS payee, payment_edges, pd.key AS paid_edge, $threshold AS threshold,
       payments_count, payments_sum, payments_first_day, payments_last_day
