"""The workbench's own interface words in Chinese (default) and English.

Labels of node kinds, edge kinds, severities, confidences and clue statuses come from the shared label
tables (:mod:`guanlian.viz.labels`, :mod:`guanlian.clues.library`); this table holds only the words of the
pages themselves (navigation, headings, buttons).
"""

from __future__ import annotations

from guanlian.values.vocab import Lang

_TEXTS: dict[str, tuple[str, str]] = {
    "app": ("关联 · 调查工作台", "guanlian · investigator workbench"),
    "nav_search": ("搜索", "Search"),
    "nav_findings": ("发现", "Findings"),
    "nav_path": ("找关系", "Connections"),
    "nav_queries": ("查询", "Queries"),
    "nav_clues": ("线索", "Clues"),
    "search_hint": ("人员、企业、单位、账户、电话、地址（支持繁简、拼音、近似）",
                    "persons, companies, units, accounts, phones, addresses (traditional/simplified, pinyin, fuzzy)"),
    "search": ("搜索", "Search"),
    "no_hits": ("没有结果。", "No results."),
    "kind": ("类型", "Kind"),
    "name": ("名称", "Name"),
    "id": ("证件/代码", "ID / code"),
    "match": ("匹配方式", "Match"),
    "aliases": ("别名", "Aliases"),
    "sources": ("来源记录（文件, 行）", "Source records (file, row)"),
    "file": ("文件", "File"),
    "row": ("行", "Row"),
    "roles": ("任职", "Roles"),
    "relatives": ("亲属", "Relatives"),
    "companies": ("企业关系", "Companies"),
    "payments": ("付款汇总", "Payment totals"),
    "contacts": ("联系方式", "Contacts"),
    "links": ("身份关联（模糊匹配）", "Identity links (fuzzy)"),
    "changes": ("工商变更", "Registry changes"),
    "other": ("其他", "Other"),
    "judgements": ("研判", "Judgements"),
    "judgements_later": ("研判功能将在后续版本提供。", "Judging links comes in a later version."),
    "graph": ("关系图", "Network"),
    "graph_hint": ("单击节点展开其相邻关系；双击打开实体页。", "Click a node to expand its neighbours; double-click opens its page."),
    "timeline": ("时间线", "Timeline"),
    "no_events": ("没有带日期的事件。", "No dated events."),
    "date": ("日期", "Date"),
    "event": ("事件", "Event"),
    "detail": ("详情", "Detail"),
    "path_from": ("起点（实体键）", "From (entity key)"),
    "path_to": ("终点（实体键）", "To (entity key)"),
    "max_hops": ("最多跳数", "Max hops"),
    "find_path": ("查找关系", "Find connections"),
    "no_path": ("在给定跳数内没有找到关系。", "No connection within the given hops."),
    "hops": ("跳", "hops"),
    "fuzzy_marked": ("含模糊匹配（虚线）", "includes fuzzy links (dashed)"),
    "path_here": ("从此实体找关系", "Find connections from here"),
    "filters": ("筛选", "Filter"),
    "unit": ("单位", "Unit"),
    "person": ("人员", "Person"),
    "company": ("企业", "Company"),
    "query": ("查询", "Query"),
    "severity": ("风险等级", "Severity"),
    "confidence": ("可信度", "Confidence"),
    "from": ("起始日期", "From"),
    "to": ("截止日期", "To"),
    "min_amount": ("最低金额(元)", "Min. amount (CNY)"),
    "sort": ("排序", "Sort"),
    "apply": ("应用", "Apply"),
    "any": ("全部", "any"),
    "score": ("评分", "Score"),
    "amount": ("金额", "Amount"),
    "title": ("标题", "Title"),
    "total": ("共", "Total"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "explanation": ("说明", "Explanation"),
    "entities": ("涉及对象", "Parties"),
    "role": ("角色", "Role"),
    "evidence": ("证据行", "Evidence rows"),
    "chain": ("关系链", "Chain of relations"),
    "clue": ("线索", "Clue"),
    "file_clue": ("立为线索", "File as clue"),
    "not_filed": ("尚未立为线索。", "Not filed as a clue yet."),
    "dismiss_later": ("排除发现将在后续版本提供。", "Dismissing a finding comes in a later version."),
    "params": ("参数", "Parameters"),
    "run": ("运行", "Run"),
    "rows": ("行", "rows"),
    "export": ("导出", "Export"),
    "status": ("状态", "Status"),
    "history": ("处理记录", "History"),
    "at": ("时间", "When"),
    "actor": ("操作人", "Who"),
    "action": ("操作", "Action"),
    "note": ("备注", "Note"),
    "by": ("操作人", "Your name"),
    "to_unit": ("移送单位", "Transfer to unit"),
    "result": ("处置结果", "Result"),
    "rating": ("评估结果", "Rating"),
    "do": ("提交", "Submit"),
    "no_next": ("此线索已结束。", "This clue is closed."),
    "error": ("出错了", "Something went wrong"),
    "lang_switch": ("English", "中文"),
    "fit": ("适应窗口", "Fit"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
}


def texts(lang: Lang) -> dict[str, str]:
    """All interface words in ``lang``.

    Example:
        >>> texts("en")["nav_search"]
        'Search'
    """
    i = 0 if lang == "zh" else 1
    return {k: v[i] for k, v in _TEXTS.items()}
