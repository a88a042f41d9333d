"""Every user-facing word in Chinese and English: one table per idea, one :class:`Lang` type, one lookup.

A table maps a canonical value (what the data and the code use: ``probable``, ``high``, ``fed_back``) to its
``(zh, en)`` label. :func:`tr` looks a value up (unknown values are shown as written), :func:`pick` chooses a
half of a pair, :func:`as_lang` checks a language given as text (CLI options). Node, edge and property labels
come from the model (:func:`kind_label`, :func:`edge_kind_label`, :func:`prop_label`).

Example:
    >>> tr(TIER, "probable", "zh"), tr(SEVERITY, "high", "en"), tr(CLUE_STATUS, "fed_back", "en")
    ('很可能', 'high', 'fed back')
    >>> tr(TIER, "odd", "zh")
    'odd'
"""

from __future__ import annotations

import errno
import re
from collections.abc import Mapping
from typing import Final, Literal, TypeGuard, TypeVar, get_args

from guanlian.model import BY_NAME, EMPLOYERS, NAME_SOURCES, NAMES, PROVENANCE, TIERS, model

__all__ = [
    "CHANGE_ACTION",
    "CHANNEL",
    "CLUE_ACTION",
    "CLUE_STATUS",
    "CODE_STATUS",
    "COLLIDE_COLUMN",
    "COLLIDE_ROLE",
    "COLLIDE_TEXT",
    "COLUMN",
    "COMPANY_STATUS",
    "CONFIDENCE",
    "HIDDEN_PROPS",
    "ID_STATUS",
    "KINSHIP",
    "KIN_CATEGORY",
    "LANG",
    "LANGS",
    "LINK_VERDICT",
    "PROP_VALUES",
    "RATING",
    "RATING_WORDS",
    "ROLE",
    "SEVERITIES",
    "SEVERITY",
    "SEX",
    "SHELL_SIGNAL",
    "TIER",
    "TIER_ADVERB",
    "TIER_PHRASE",
    "USAGE",
    "VERDICT",
    "Labels",
    "Lang",
    "Severity",
    "again",
    "as_lang",
    "choices_text",
    "edge_kind_label",
    "is_lang",
    "kind_label",
    "one_language",
    "said",
    "in_language",
    "parse_choice",
    "pick",
    "prop_label",
    "tr",
    "value_label",
]

Lang = Literal["zh", "en"]
"""An output language: Chinese (the default everywhere) or English."""

LANGS: Final[tuple[Lang, ...]] = get_args(Lang)

Labels = Mapping[str, tuple[str, str]]
"""A vocabulary table: canonical value → ``(zh, en)``."""

Severity = Literal["high", "medium", "low"]
SEVERITIES: Final[tuple[Severity, ...]] = ("high", "medium", "low")
"""Severities of a saved query or finding, most severe first."""

HIDDEN_PROPS: Final[frozenset[str]] = frozenset({"key", "name_norm", "tier_rank", NAMES, NAME_SOURCES, EMPLOYERS,
                                                  BY_NAME,
                                                  *(p.name for p in PROVENANCE)})
"""Internal properties never shown to people as properties (keys, normalised forms, the lists of name spellings and
employers, provenance columns).
Provenance is shown separately (``来源: file 第12行``); ``*_day`` integers are hidden by their suffix."""

# --- findings and matching -----------------------------------------------------------------------------

TIER: Final[Labels] = {
    "confirmed": ("经核查组确认", "confirmed"),
    "certain": ("确定", "certain"),
    "probable": ("很可能", "probable"),
    "possible": ("可能", "possible"),
}
"""Match tiers (:data:`guanlian.model.TIERS`) as a short word."""

TIER_PHRASE: Final[Labels] = {
    "confirmed": ("经核查组确认为同一人", "confirmed the same person by the investigators"),
    "certain": ("确定为同一人", "certainly the same person"),
    "probable": ("很可能为同一人", "probably the same person"),
    "possible": ("可能为同一人", "possibly the same person"),
    "": ("不足以认定", "not enough to link"),
}
"""A match tier as the verdict that opens a match explanation (``""``: below every tier)."""

TIER_ADVERB: Final[Labels] = {
    "confirmed": ("经核查组确认", "confirmed to be"),
    "certain": ("确定", "certainly"),
    "probable": ("很可能", "probably"),
    "possible": ("可能", "possibly"),
}
"""A match tier inside a sentence (``A and B are probably the same person``)."""

CONFIDENCE: Final[Labels] = {
    "confirmed": ("已确认(经核查组确认)", "confirmed (by the investigators)"),
    "certain": ("确定(证件号一致)", "certain (same ID)"),
    "probable": ("很可能", "probable"),
    "possible": ("可能(仅供参考)", "possible (weak)"),
}
"""A finding's confidence (the weakest identity link it relies on)."""

SEVERITY: Final[Labels] = {
    "high": ("高", "high"),
    "medium": ("中", "medium"),
    "low": ("低", "low"),
}

ROLE: Final[Labels] = {
    "official": ("干部", "official"),
    "relative": ("亲属", "relative"),
    "company": ("企业", "company"),
    "unit": ("单位", "unit"),
    "payee": ("收款人", "payee"),
    "payer": ("付款单位", "paying unit"),
    "intermediary": ("中间企业", "intermediate company"),
    "contact": ("联系方式", "contact"),
    "shared": ("共用信息", "shared record"),
}
"""Roles an entity plays in a finding."""

SHELL_SIGNAL: Final[Labels] = {
    "tiny_capital": ("注册资本与收款金额极不相称", "tiny registered capital for the money received"),
    "crowded_address": ("注册地址与多家企业共用", "address shared with many companies"),
    "dead_status": ("已注销或吊销仍在收款", "deregistered or revoked yet paid"),
}
"""Signals of the shell-company check (``signals`` column of ``shell_company``)."""

CHANGE_ACTION: Final[Labels] = {
    "left": ("退出", "left"),
    "joined": ("加入", "joined"),
}
"""What a registry change record did to a person (``CHANGE.action``)."""

COLUMN: Final[Labels] = {
    # persons, companies, units (node columns)
    "official": ("干部", "official"),
    "official_2": ("干部(另一单位)", "official (other unit)"),
    "relative": ("亲属", "relative"),
    "relative_2": ("亲属(另一记录)", "relative (other record)"),
    "holder": ("工商登记人员", "person in the registry"),
    "change_person": ("变更记录人员", "person in the change record"),
    "company": ("企业", "company"),
    "companies": ("企业", "companies"),
    "first_company": ("直接持股企业", "company held directly"),
    "unit": ("单位", "unit"),
    "unit_2": ("另一单位", "other unit"),
    "payee": ("收款人", "payee"),
    "payer": ("付款单位", "paying unit"),
    "contact": ("共用联系方式", "shared contact"),
    "shared": ("共用信息", "shared record"),
    "shared_all": ("全部共用记录", "every shared record"),
    # values
    "match_tier": ("身份关联等级", "identity link"),
    "relation_term": ("关系", "relation"),
    "post": ("职务", "post"),
    "max_share": ("持股比例", "share"),
    "effective_share": ("穿透持股比例", "effective share"),
    "hops": ("持股层级", "levels"),
    "severity": ("严重程度", "severity"),
    "confidence": ("可信度", "confidence"),
    "action": ("变更", "change"),
    "changed_on_day": ("变更日期", "changed on"),
    "days_from_first_payment": ("距首次付款天数", "days from first payment"),
    "established_day": ("成立日期", "established on"),
    "days_to_first_payment": ("成立至首次付款天数", "days to first payment"),
    "term_end_day": ("离任日期", "left office on"),
    "payments_after_leaving": ("离任后付款笔数", "payments after leaving"),
    "reg_capital": ("注册资本(元)", "registered capital (yuan)"),
    "status": ("登记状态", "registry status"),
    "address_sharers": ("同址企业数", "companies at the address"),
    "dead_on_day": ("注销/吊销日期", "deregistered/revoked on"),
    "paid_after_dead": ("注销后付款笔数", "payments after deregistration"),
    "signals": ("空壳迹象", "shell signals"),
    "threshold": ("审批限额(元)", "approval threshold (yuan)"),
    "items": ("补贴项目", "subsidy items"),
    "ring_size": ("企业数", "companies"),
    "basis": ("依据", "basis"),
    "payments_count": ("付款笔数", "payments"),
    "payments_sum": ("付款合计(元)", "total paid (yuan)"),
    "payments_first_day": ("首次付款", "first payment"),
    "payments_last_day": ("末次付款", "last payment"),
    "payments_in_tenure": ("任期内付款笔数", "payments in tenure"),
}
"""Result columns of the saved queries as headers (``guanlian run``); a column not listed shows its role or
its name."""

COMPANY_STATUS: Final[Labels] = {
    "存续": ("存续", "active"),
    "在业": ("在业", "in business"),
    "开业": ("开业", "open"),
    "注销": ("注销", "deregistered"),
    "吊销": ("吊销", "revoked"),
    "吊销，未注销": ("吊销，未注销", "revoked, not deregistered"),
    "迁出": ("迁出", "moved out"),
    "停业": ("停业", "suspended"),
    "清算": ("清算", "in liquidation"),
    "撤销": ("撤销", "cancelled"),
}
"""Registry status words (``Company.status``, as the registry writes them) in English."""

# --- values in the data ----------------------------------------------------------------------------------

KINSHIP: Final[Labels] = {
    "spouse": ("配偶", "spouse"),
    "son": ("儿子", "son"),
    "daughter": ("女儿", "daughter"),
    "child": ("子女", "child"),
    "son_in_law": ("女婿", "son-in-law"),
    "daughter_in_law": ("儿媳", "daughter-in-law"),
    "father": ("父亲", "father"),
    "mother": ("母亲", "mother"),
    "elder_brother": ("哥哥", "elder brother"),
    "younger_brother": ("弟弟", "younger brother"),
    "elder_sister": ("姐姐", "elder sister"),
    "younger_sister": ("妹妹", "younger sister"),
    "sibling": ("兄弟姐妹", "sibling"),
    "grandfather": ("祖父", "grandfather"),
    "grandmother": ("祖母", "grandmother"),
    "grandchild": ("孙子女", "grandchild"),
    "father_in_law": ("岳父", "father-in-law"),
    "mother_in_law": ("岳母", "mother-in-law"),
    "spouse_sibling": ("妻兄", "spouse's sibling"),
    "sibling_spouse": ("嫂子", "sibling's spouse"),
    "co_sibling_in_law": ("连襟", "co-sibling-in-law"),
}
"""Canonical kinship relations (``RELATIVE_OF.relation``); the Chinese label is the canonical 称谓 that
:mod:`guanlian.loaders.kinship` maps its synonyms to."""

KIN_CATEGORY: Final[Labels] = {
    "spouse_children": ("配偶及子女", "spouse or child"),
    "close": ("近亲属", "close family"),
    "in_law": ("姻亲", "in-law"),
    "other": ("其他", "other"),
}
"""Categories of kinship relations (``RELATIVE_OF.category``, from :mod:`guanlian.loaders.kinship`)."""

SEX: Final[Labels] = {"M": ("男", "male"), "F": ("女", "female")}

CHANNEL: Final[Labels] = {
    "treasury": ("国库集中支付", "treasury"),
    "bank": ("银行转账", "bank transfer"),
    "subsidy": ("补贴发放", "subsidy"),
    "mixed": ("多种渠道", "mixed"),
}
"""Payment channels (``PAYMENT.channel``; ``PAID.channel`` is ``mixed`` when a pair used several)."""

CODE_STATUS: Final[Labels] = {
    "valid": ("有效", "valid"),
    "bad_checksum": ("校验位错误", "wrong check character"),
    "invalid": ("格式无效", "malformed"),
    "missing": ("未填写", "missing"),
}
"""Credit-code status of a company record (``credit_code_status``)."""

ID_STATUS: Final[Labels] = {
    **CODE_STATUS,
    "masked": ("已脱敏", "masked"),
}
"""Resident-ID status of a person record (``id_status``)."""

# --- the clue library ------------------------------------------------------------------------------------

CLUE_STATUS: Final[Labels] = {
    "new": ("新建", "new"),
    "transferred": ("已移送", "transferred"),
    "handled": ("已处置", "handled"),
    "fed_back": ("已反馈", "fed back"),
    "evaluated": ("已评估", "evaluated"),
    "parked": ("暂存待查", "parked"),
    "closed": ("予以了结", "closed"),
}
"""Lifecycle states of a clue."""

CLUE_ACTION: Final[Labels] = {
    "create": ("入库", "added"),
    "update": ("重新扫描更新", "updated by a new scan"),
    "transfer": ("移送", "transfer"),
    "handle": ("处置", "handle"),
    "feedback": ("反馈", "feedback"),
    "evaluate": ("评估", "evaluate"),
    "park": ("暂存待查", "park"),
    "close": ("予以了结", "close"),
    "acknowledge": ("已阅新情况", "acknowledge new information"),
    "migrate": ("线索库升级", "library upgraded"),
}
"""Steps recorded in a clue's history."""

RATING_WORDS: Final[Mapping[str, tuple[str, ...]]] = {
    "substantiated": ("属实",),
    "partly": ("部分属实",),
    "unsubstantiated": ("不属实",),
    "unverifiable": ("无法查实", "无法核实"),
}
"""Evaluation ratings of a clue: canonical English key → the Chinese words accepted as input (first = label).
They measure how good a saved query is: the share of its clues rated ``substantiated`` is its precision in
practice."""

RATING: Final[Labels] = {k: (v[0], k) for k, v in RATING_WORDS.items()}

# --- data collision (guanlian collide) ---------------------------------------------------------------------

COLLIDE_COLUMN: Final[Labels] = {
    "left": ("左表", "left"),
    "right": ("右表", "right"),
    "file": ("文件", "file"),
    "row": ("行号", "row"),
    "role": ("身份", "role"),
    "other_id_type": ("其他证件类型", "other ID type"),
    "other_id": ("其他证件号码", "other ID number"),
    "tier": ("等级", "tier"),
    "score": ("得分", "score"),
    "compared": ("比对依据", "compared"),
    "explanation": ("说明", "explanation"),
    "field": ("字段", "field"),
    "value": ("内容", "value"),
    "severity": ("处理", "severity"),
    "reason": ("原因", "reason"),
}
"""Column titles of ``collide`` output (Chinese; English output uses snake_case names such as ``left_row``)."""

COLLIDE_ROLE: Final[Labels] = {
    "person": ("人员", "person"),
    "relative": ("亲属", "relative"),
    "official": ("干部", "official"),
    "shareholder": ("股东", "shareholder"),
    "officer": ("企业主要人员", "company officer"),
    "legal_rep": ("法定代表人", "legal representative"),
    "payee": ("收款人", "payee"),
    "recipient": ("补贴领取人", "subsidy recipient"),
}
"""What a record is in the file it comes from (a family table gives relatives and officials)."""

COLLIDE_TEXT: Final[Labels] = {
    "name_only": ("仅姓名(无其他可比信息)", "name only (nothing else to compare)"),
    "rejected": ("拒收", "rejected"),
    "warning": ("警告", "warning"),
    "plain": ("普通人员名单", "plain person list"),
    "kind_as": ("按{kind}表读取,取{roles}", "read as {kind}, taking the {roles}"),
    "file_line": ("{file}({what}):读取 {read} 行,得到 {records} 条人员记录,拒收 {rejected} 行;字段:{fields}",
                  "{file} ({what}): {read} rows read, {records} records, {rejected} rejected; fields: {fields}"),
    "skipped": (";另有 {n} 行是企业或单位,未比对", "; {n} rows are organisations, not compared"),
    "left": ("左表", "left "),
    "right": ("右表", "right"),
    "pairs_line": ("候选对 {n} 对({tiers};其中仅凭姓名 {name_only})",
                   "pairs: {n} ({tiers}; name only {name_only})"),
    "matched_line": ("左表有候选的记录 {m} / {n},无候选 {u}", "left records with a candidate: {m} of {n}; without: {u}"),
    "matched_right_line": ("右表有候选的记录 {m} / {n},无候选 {u}",
                           "right records with a candidate: {m} of {n}; without: {u}"),
    "no_candidate_left": ("左表记录无候选", "no candidate (left record)"),
    "no_candidate_right": ("右表记录无候选", "no candidate (right record)"),
    "name_only_note": ("注意:有一份名单只有姓名,仅凭姓名的候选最多为“可能”,须人工核实",
                       "note: a list has names only; name-only candidates are at most 'possible' and need checking"),
    "written": ("已写出 {path}", "wrote {path}"),
    "issues_written": ("问题行已写出 {path}", "rejected rows and warnings written to {path}"),
    "rejected_head": ("拒收的行({n}):", "rejected rows ({n}):"),
    "rejected_line": ("{file} 第 {row} 行 {field}「{value}」:{reason}", "{file} row {row} {field} '{value}': {reason}"),
    "more": ("……另有 {n} 行,见问题行表", "... and {n} more (see the issues table)"),
    "side_ignored": ("注意:--side 只用于家庭成员表,这两个文件都不是", "note: --side applies to family tables; neither file is one"),
    "issues_sheet": ("问题行", "issues"),
    "pairs_sheet": ("碰撞结果", "collisions"),
}
"""Sentences of the ``collide`` summary and output (``{…}`` filled in by :mod:`guanlian.matching.collide`)."""

# --- investigator judgements -------------------------------------------------------------------------------

VERDICT: Final[Labels] = {
    "confirm": ("确认为同一", "confirmed"),
    "reject": ("否定（不是同一）", "rejected"),
    "unsure": ("存疑", "unsure"),
    "dismiss": ("排除", "dismissed"),
    "undismiss": ("撤销排除", "undismissed"),
}
"""Judgements on a fuzzy link (confirm, reject, unsure) and on a finding (dismiss, undismiss)."""

LINK_VERDICT: Final[Labels] = {"confirm": ("确认", "confirm"), "reject": ("否定", "reject"), "unsure": ("存疑", "unsure")}
"""A judgement on a fuzzy link as typed (``guanlian judge L1 确认``); :data:`VERDICT` labels are accepted too."""

LANG: Final[Labels] = {"zh": ("中文", "Chinese"), "en": ("英文", "English")}
"""Output languages, as ``--lang`` accepts them."""

USAGE: Final[Labels] = {
    "error": ("错误", "error"),
    "no_such_option": ("没有选项 {option}", "no such option {option}"),
    "did_you_mean": ("；可能是 {choices}", "; did you mean {choices}?"),
    "no_such_command": ("没有命令 {command}；可用的命令：{choices}", "no such command {command}; commands: {choices}"),
    "option_needs_value": ("选项 {option} 需要一个值", "option {option} needs a value"),
    "flag_takes_no_value": ("选项 {option} 不带值", "option {option} takes no value"),
    "missing_option": ("缺少选项 {name}", "missing option {name}"),
    "missing_argument": ("缺少参数 {name}", "missing argument {name}"),
    "bad_value": ("{name} 的值 {value} 无效：应为{expected}", "invalid value {value} for {name}: expected {expected}"),
    "extra_arguments": ("多余的参数：{args}", "unexpected extra arguments: {args}"),
    "bad_command_line": ("命令行有误", "the command line is not valid"),
    "see_help": ("（用法见 {command} --help）", " (see {command} --help)"),
    "aborted": ("已中止", "aborted"),
    "type_integer": ("整数", "a whole number"),
    "type_float": ("数字", "a number"),
    "type_boolean": ("true 或 false", "true or false"),
    "type_path": ("文件或文件夹路径", "a file or folder path"),
    "type_text": ("文本", "text"),
}
"""Command-line usage errors (:mod:`guanlian.cli_usage`): templates filled with the option, value or command."""

PROP_VALUES: Final[Mapping[str, Labels]] = {
    "sex": SEX,
    "id_status": ID_STATUS,
    "credit_code_status": CODE_STATUS,
    "status": COMPANY_STATUS,
    "relation": KINSHIP,
    "category": KIN_CATEGORY,
    "channel": CHANNEL,
    "tier": TIER,
    "action": CHANGE_ACTION,
}
"""Graph properties whose values are codes, by property name, with the table that words them
(:func:`value_label`). ``tests/values/test_vocab_outputs.py`` checks the model against it."""

assert set(TIER) == set(TIERS) == set(TIER_ADVERB) == set(CONFIDENCE) == set(TIER_PHRASE) - {""}


# --- lookups ---------------------------------------------------------------------------------------------


def is_lang(value: object) -> TypeGuard[Lang]:
    """Whether ``value`` is ``"zh"`` or ``"en"``."""
    return value in LANGS


def as_lang(value: str) -> Lang:
    """``value`` as a :data:`Lang`; anything but ``zh``/``en`` raises ValueError (message in both languages).

    Example:
        >>> as_lang("en")
        'en'
    """
    if is_lang(value):
        return value
    raise said(ValueError, f"语言只能是 zh 或 en，而不是 {value!r}", f"language must be zh or en, not {value!r}")


def choices_text(table: Labels) -> str:
    """The values of ``table`` as a user may type them: ``high (高), medium (中), low (低)``.

    Example:
        >>> choices_text(SEVERITY)
        'high (高), medium (中), low (低)'
    """
    return ", ".join(f"{k} ({v[0]})" if v[0] != k else k for k, v in table.items())


def parse_choice(table: Labels, text: str, option: str, aliases: Mapping[str, str] | None = None) -> str:
    """The canonical value of ``text`` typed as its canonical name, its Chinese or its English label.

    Case and surrounding blanks do not matter; ``-`` and ``_`` and spaces are the same (``fed back``,
    ``fed-back``, ``fed_back``).

    Args:
        table: the vocabulary table of the option's values.
        text: what the user typed.
        option: the option's name for the message (``--severity``).
        aliases: more words accepted (``{"确认": "confirm"}``), mapped to canonical values of ``table``.

    Raises:
        ValueError: an unknown value; the message (zh and en) lists every choice.

    Example:
        >>> parse_choice(SEVERITY, "高", "--severity"), parse_choice(CLUE_STATUS, "Fed back", "--status")
        ('high', 'fed_back')
        >>> parse_choice(SEVERITY, "严重", "--severity")
        Traceback (most recent call last):
        ...
        ValueError: --severity 只能是 高、中、低（中文或英文均可），而不是 '严重' / --severity must be one of high, medium, low (or their Chinese labels); got '严重'
    """

    def norm(value: str) -> str:
        return " ".join(value.strip().casefold().replace("-", " ").replace("_", " ").split())

    wanted = norm(text)
    for word, key in (aliases or {}).items():
        if wanted == norm(word) and key in table:
            return key
    for key, (zh, en) in table.items():
        if wanted in (norm(key), norm(zh), norm(en)):
            return key
    zh = "、".join(v[0] for v in table.values())
    raise said(ValueError, f"{option} 只能是 {zh}（中文或英文均可），而不是 {text!r}",
               f"{option} must be one of {', '.join(table)} (or their Chinese labels); got {text!r}")


_CHINESE_HEAD = re.compile(r"(?:^|(?<=\. ))[^/]*?[\u4e00-\u9fff][^/]*?\s?/ ")


def one_language(text: str, lang: Lang) -> str:
    """A text written ``中文 / English`` in one language.

    A library error message often has only a Chinese heading (``文件不存在 / file not found: a.csv``: the details
    are in the English half); so in ``en`` each Chinese heading before a `` / `` is dropped, and in ``zh`` the
    text is returned whole, every detail kept. Messages raised with :func:`said` carry both complete texts and
    need none of this.

    Example:
        >>> one_language("匹配 / matching", "en")
        'matching'
        >>> one_language("图存储不存在 / no store at a/b. 修复 / fix: check the path", "en")
        'no store at a/b. fix: check the path'
        >>> one_language("a / b", "en"), one_language("文件不存在 / file not found: a.csv", "zh")
        ('a / b', '文件不存在 / file not found: a.csv')
    """
    if lang == "zh" or " / " not in text:
        return text
    return _CHINESE_HEAD.sub("", text)


OS_ERRORS: Final[Mapping[int, tuple[str, str]]] = {
    errno.ENOENT: ("文件不存在", "file not found"),
    errno.EACCES: ("没有权限", "permission denied"),
    errno.EPERM: ("不允许的操作", "operation not permitted"),
    errno.EISDIR: ("这是文件夹，不是文件", "is a folder, not a file"),
    errno.ENOTDIR: ("路径中有一段不是文件夹", "a part of the path is not a folder"),
    errno.ENOSPC: ("磁盘空间不足", "no space left on the disk"),
    errno.EEXIST: ("已存在", "already exists"),
    errno.EADDRINUSE: ("端口已被占用", "the port is already in use"),
}
"""Operating-system errors (:class:`OSError` by errno) in words, for :func:`in_language`."""

E = TypeVar("E", bound=BaseException)


def said(exc: type[E], zh: str, en: str) -> E:
    """An ``exc`` carrying its message in both languages (attributes ``zh`` and ``en``) for the CLI to show the
    one asked; ``str()`` of it is ``zh / en`` for everyone else.

    Example:
        >>> e = said(ValueError, "没有这个查询 x", "no query x")
        >>> str(e), in_language(e, "zh"), in_language(e, "en")
        ('没有这个查询 x / no query x', '没有这个查询 x', 'no query x')
    """
    made = exc(f"{zh} / {en}")
    setattr(made, "zh", zh)  # noqa: B010  (exception classes of every module, none declares the attributes)
    setattr(made, "en", en)  # noqa: B010
    return made


def again(exc: type[E], cause: BaseException) -> E:
    """An ``exc`` saying what ``cause`` said, in both languages (see :func:`said`): for a layer that answers
    another module's error as its own kind (a clue library refusal as an HTTP 409).

    Example:
        >>> e = again(KeyError, said(ValueError, "没有这个查询 x", "no query x"))
        >>> type(e).__name__, in_language(e, "en")
        ('KeyError', 'no query x')
    """
    return said(exc, in_language(cause, "zh"), in_language(cause, "en"))


def in_language(exc: BaseException, lang: Lang) -> str:
    """The message of ``exc`` in ``lang``: its own text of that language when raised with :func:`said`, else its
    text through :func:`one_language`.

    Example:
        >>> in_language(ValueError("未知引擎 / unknown engine 'x'"), "en")
        "unknown engine 'x'"
        >>> in_language(FileNotFoundError(2, "No such file or directory", "a.json"), "zh")
        '文件不存在：a.json'
    """
    own = getattr(exc, lang, None)
    if isinstance(own, str):
        return own
    if isinstance(exc, OSError) and exc.strerror:  # the system's text is English: word the common cases
        words = OS_ERRORS.get(exc.errno or 0)
        text = pick(words, lang) if words else (exc.strerror if lang == "en" else f"操作系统错误（errno {exc.errno}）")
        return f"{text}{'：' if lang == 'zh' else ': '}{exc.filename}" if exc.filename is not None else text
    return one_language(str(exc.args[0]) if exc.args else str(exc), lang)


def pick(pair: tuple[str, str], lang: Lang) -> str:
    """Choose the Chinese or English half of a ``(zh, en)`` pair.

    Example:
        >>> pick(("高", "high"), "zh")
        '高'
    """
    return pair[0] if lang == "zh" else pair[1]


def tr(table: Labels, value: str | None, lang: Lang) -> str:
    """Translate ``value`` through ``table``; unknown values are returned as written, None as ``""``.

    Example:
        >>> tr(CHANNEL, "treasury", "zh"), tr(CHANNEL, None, "zh")
        ('国库集中支付', '')
    """
    if value is None:
        return ""
    pair = table.get(value)
    return pick(pair, lang) if pair else str(value)


def value_label(prop: str, value: object, lang: Lang) -> object:
    """A property value as people read it: codes of :data:`PROP_VALUES` in words (``M`` → 男 / male,
    ``mother_in_law`` → 岳母 / mother-in-law, ``treasury`` → 国库集中支付); a kinship term (``term``, as the family
    record wrote it) in English for ``en``; any other value as it is.

    Example:
        >>> value_label("sex", "M", "zh"), value_label("channel", "treasury", "en"), value_label("name", "张三", "en")
        ('男', 'treasury', '张三')
        >>> value_label("term", "岳母", "en"), value_label("term", "岳母", "zh")
        ('mother-in-law', '岳母')
    """
    if value is None or not isinstance(value, str):
        return value
    if prop == "term" and lang == "en":
        relation = next((k for k, (zh, _) in KINSHIP.items() if zh == value), None)
        return tr(KINSHIP, relation, "en") if relation else value
    if prop == "relation" and value.startswith("other:"):  # a term no kinship table knows, kept as written
        return f"{tr(KIN_CATEGORY, 'other', lang)} ({value.removeprefix('other:')})"
    table = PROP_VALUES.get(prop)
    return tr(table, value, lang) if table is not None else value


def kind_label(kind: str, lang: Lang) -> str:
    """Label of a node kind (``人员`` / ``Person``); unknown kinds are returned as written.

    Example:
        >>> kind_label("Company", "zh")
        '企业'
    """
    try:
        k = model().node(kind)
    except KeyError:
        return kind
    return k.label_zh if lang == "zh" else k.label_en


def edge_kind_label(kind: str, lang: Lang) -> str:
    """Label of an edge kind (``股东`` / ``shareholder of``); unknown kinds are returned as written.

    Example:
        >>> edge_kind_label("RELATIVE_OF", "en")
        'relative of'
    """
    try:
        e = model().edge(kind)
    except KeyError:
        return kind
    return e.label_zh if lang == "zh" else e.label_en


def prop_label(owner: str, name: str, lang: Lang, *, is_edge: bool = False) -> str:
    """Label of a property of a node or edge kind; unknown names are returned as written.

    Example:
        >>> prop_label("Person", "birth_date", "zh")
        '出生日期'
    """
    try:
        kind = model().edge(owner) if is_edge else model().node(owner)
        p = kind.prop(name)
    except KeyError:
        return name
    text = p.label_zh if lang == "zh" else p.label_en
    return text or name
