// ---
// id: newborn_company_paid
// title_zh: 企业成立后不久即收到单位付款（突击成立）
// title_en: A company was paid soon after it was set up
// severity: medium
// why_zh: >-
//   企业成立后很短时间内就收到公共单位的首笔付款，可能是为承接特定业务而"突击成立"的企业，
//   常见于围标串标、虚假采购和利益输送；需结合股东、法定代表人背景进一步核查。
// why_en: >-
//   The unit's first payment reached the company shortly after it was registered: companies set up for one deal
//   are a known pattern in rigged procurement and hidden interests; check who is behind it.
// params:
//   window_days: {type: int, default: 90, doc: most days between establishment and the first payment}
// returns:
//   company: {node: Company, role: company}
//   unit: {node: Unit, role: unit}
//   paid_edge: {edge: PAID}
//   established_day: {type: int}
//   days_to_first_payment: {type: int}
//   payments_count: {type: int}
//   payments_sum: {type: money}
//   payments_first_day: {type: int}
//   payments_last_day: {type: int}
// case: [company]
// explain_zh: >-
//   {company}成立于{established}，仅{days_to_first_payment}天后即收到{unit}首笔付款；{payments_zh}。
// explain_en: >-
//   {company} was set up on {established} and received the first payment from {unit} only
//   {days_to_first_payment} days later; {payments_en}.
// example: 某科技公司2020-01-10成立，2020-02-20即收到农业农村局首笔付款。
// ---
MATCH (u:Unit)-[pd:PAID]->(c:Company)
WHERE c.established_day IS NOT NULL
  AND pd.first_paid_day >= c.established_day
  AND pd.first_paid_day - c.established_day <= $window_days
RETURN c.key AS company, u.key AS unit, pd.key AS paid_edge, c.established_day AS established_day,
       pd.first_paid_day - c.established_day AS days_to_first_payment,
       pd.payments AS payments_count, pd.total AS payments_sum,
       pd.first_paid_day AS payments_first_day, pd.last_paid_day AS payments_last_day
