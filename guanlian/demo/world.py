"""The synthetic world: units, officials, families, companies, payments — clean, typed, before any mess.

:class:`World` first plants the schemes and decoys (a few dozen hand-built entities with known truth), then
fills the background with numpy. Every planted row carries ``_tag`` (the scheme or decoy id) and
``_precise`` (the renderer must keep its dates day-precise), so the writer can report where it landed.

Dates are integer day numbers (days since 1970-01-01); :data:`NODATE` means missing, and for a tenure
end it means 至今 (still in post). Shares are fractions (0.6), money is yuan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from guanlian.demo import people as P
from guanlian.demo import tables as T
from guanlian.demo.ids import make_rics, make_usccs

try:
    from guanlian.matching.normalize import normalize_unit_name
except ImportError:  # pragma: no cover - the matcher module is written in parallel
    import unicodedata

    def normalize_unit_name(s: str | None) -> str:
        return "".join(unicodedata.normalize("NFKC", s or "").split())


NODATE = -1_000_000


def day(y: int, m: int, d: int) -> int:
    """Day number of a calendar date (days since 1970-01-01)."""
    return (date(y, m, d) - date(1970, 1, 1)).days


def iso(d: int) -> str | None:
    """ISO string of a day number (None for NODATE)."""
    if d == NODATE:
        return None
    return date.fromordinal(date(1970, 1, 1).toordinal() + int(d)).isoformat()


TODAY = day(2024, 12, 31)
PAY_START = day(2018, 1, 1)
YEAR = 365.25

KINDS: tuple[str, ...] = (
    "officials", "relatives", "companies", "shareholders", "officers", "changes", "payments", "subsidies",
)
COLUMNS: dict[str, tuple[str, ...]] = {
    "officials": ("name", "id_number", "id_form", "sex", "birth", "unit", "post", "rank", "start", "end",
                  "phone", "address"),
    "relatives": ("official_name", "official_id", "term", "name", "birth", "id_number", "id_form", "politics",
                  "employer", "phone"),
    "companies": ("name", "credit_code", "legal_rep", "legal_rep_id", "id_form", "established", "reg_capital",
                  "status", "address", "phone", "email", "scope"),
    "shareholders": ("company", "credit_code", "holder", "holder_type", "holder_id", "id_form", "share",
                     "subscribed", "contrib_date"),
    "officers": ("company", "credit_code", "name", "title", "id_number", "id_form"),
    "changes": ("company", "credit_code", "item", "before", "after", "date"),
    "payments": ("payer", "payer_account", "payee", "payee_account", "amount", "date", "purpose", "voucher",
                 "contract", "channel"),
    "subsidies": ("payer", "approver", "name", "id_number", "id_form", "item", "amount", "date", "account"),
}
DATE_COLUMNS = frozenset({"birth", "start", "end", "established", "contrib_date", "date"})


@dataclass(frozen=True, slots=True)
class SizeConfig:
    """Background volumes and how many instances of each scheme and decoy to plant."""

    units: int
    officials: int
    relatives_per_official: float
    companies: int
    payments: int
    subsidies: int
    schemes: int
    decoys: int
    bad: int


SIZES: dict[str, SizeConfig] = {
    "tiny": SizeConfig(6, 4, 2.0, 8, 16, 8, 1, 1, 1),
    "small": SizeConfig(30, 150, 4.0, 600, 2400, 900, 3, 2, 2),
    "medium": SizeConfig(150, 2000, 4.0, 8000, 32000, 12000, 4, 3, 6),
    "large": SizeConfig(600, 20000, 4.0, 80000, 320000, 120000, 6, 4, 20),
}

SHARDED: dict[str, tuple[str, int]] = {"xlarge": ("large", 10)}
"""Sizes built as several worlds of a base size written one after the other (bounded memory): name →
(base size, number of shards). ``xlarge`` is ten ``large`` shards, about 10M rows. See :func:`World.follow`."""


@dataclass(slots=True)
class Person:
    name: str
    id18: str
    male: bool
    birth: int
    phone: str
    address: str
    id_written: bool = False


@dataclass(slots=True)
class Company:
    name: str
    code: str
    account: str
    phone: str
    address: str
    established: int
    legal_rep: Person
    status: str
    industry: int


@dataclass(frozen=True, slots=True)
class Unit:
    name: str
    kind: str  # dept_city | dept_county | town
    county: str
    account: str


def unit_key(name: str) -> str:
    """Graph key of a unit (``unit:<normalised name>``)."""
    return "unit:" + normalize_unit_name(name)


@dataclass
class World:
    """Builds the clean world; call :meth:`build` once."""

    size: str
    seed: int
    rng: np.random.Generator = field(init=False)
    cfg: SizeConfig = field(init=False)
    rows: dict[str, list[dict[str, Any]]] = field(init=False)
    schemes: list[dict[str, Any]] = field(default_factory=list)
    decoys: list[dict[str, Any]] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    tag_prefix: str = ""
    in_window: bool = False
    """Draw every planted payment inside the window its query looks at (a revolving door's payments within the
    1,095 days after leaving). Off for ``tiny`` … ``large``, whose files stay as they were (their seeds happen
    to land inside); on for shards, where sixty revolving doors per ``xlarge`` would otherwise miss."""

    def __post_init__(self) -> None:
        self.cfg = SIZES[self.size]
        self.rng = np.random.default_rng(self.seed)
        self.rows = {k: [] for k in KINDS}
        self.used_ids: set[str] = set()
        self.used_codes: set[str] = set()
        self.used_phones: set[str] = set()
        self.used_addr: set[str] = set()
        self.used_accts: set[str] = set()
        self.used_emails: set[str] = set()
        self.used_cnames: set[str] = set()
        self._voucher = 0

    def follow(self, prev: World) -> None:
        """Make this world the next shard after ``prev``: same public bodies, nothing else shared.

        The units (names and accounts) are ``prev``'s, so a unit of one shard is the same body in every shard
        (the shards are slices of one city's staff, registry and ledgers); the sets of used resident IDs,
        credit codes, phones, addresses, accounts, e-mails and company names and the voucher counter carry
        over, so no person, company, account or voucher of this shard exists in an earlier one. Call before
        :meth:`build`.

        Example:
            >>> a, b = World("tiny", 1), World("tiny", 2)
            >>> _ = a.build()
            >>> b.follow(a)
            >>> b.units == a.units and b.used_ids is a.used_ids
            True
        """
        self.units = prev.units
        self.used_ids, self.used_codes, self.used_phones = prev.used_ids, prev.used_codes, prev.used_phones
        self.used_addr, self.used_accts, self.used_emails = prev.used_addr, prev.used_accts, prev.used_emails
        self.used_cnames = prev.used_cnames
        self._voucher = prev._voucher

    # ------------------------------------------------------------------ primitives

    def rand(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi))

    def randint(self, lo: int, hi: int) -> int:
        """Integer in [lo, hi]."""
        return int(self.rng.integers(lo, hi + 1))

    def pick(self, seq: Any) -> Any:
        return seq[int(self.rng.integers(0, len(seq)))]

    def region(self) -> str:
        if self.rng.random() < 0.8:
            return str(self.pick(T.COUNTIES)[0])
        return str(self.pick(T.EXTRA_ID_REGIONS))

    def person(
        self,
        male: bool | None = None,
        birth: int | None = None,
        years: tuple[int, int] = (1958, 1992),
        surname: str | None = None,
        need: str | None = None,
    ) -> Person:
        """A new distinct person; ``need`` asks for a name with a 'trad', 'homo' or 'dot' variant."""
        if male is None:
            male = bool(self.rng.random() < 0.5)
        if birth is None:
            birth = self.randint(day(years[0], 1, 1), day(years[1], 12, 28))
        for _ in range(200):
            if need == "dot":
                a, b = self.pick(T.MINORITY_NAMES)
                name = f"{a}·{b}"
            else:
                sur = surname
                if sur is None and need == "trad":
                    sur = str(self.pick(["刘", "陈", "张", "杨", "黄", "赵", "郑", "谢", "罗", "冯", "许", "韩"]))
                sur = sur or str(P.surnames(self.rng, 1)[0])
                name = sur + P.given_names(self.rng, np.array([male]))[0]
            if need == "trad" and P.traditional_variant(name) is None:
                continue
            if need == "homo" and P.homophone_variant(name) is None:
                continue
            break
        id18 = make_rics(self.rng, np.array([self.region()]), np.array([birth]), np.array([male]), self.used_ids)[0]
        phone = P.mobiles(self.rng, 1, self.used_phones)[0]
        addr = P.home_addresses(self.rng, 1, self.used_addr)[0]
        return Person(name, id18, male, birth, phone, addr)

    def namesake(self, p: Person, same_birth: bool) -> Person:
        """Another person with the same name (and optionally the same birth date), different ID."""
        birth = p.birth if same_birth else p.birth + self.randint(400, 3000) * (1 if self.rng.random() < 0.5 else -1)
        q = self.person(male=p.male, birth=birth)
        q.name = p.name
        return q

    def kin(self, off: Person, term: str, need: str | None = None) -> Person:
        """A relative of ``off`` called ``term``, with plausible sex, age and surname."""
        spec = next(k for k in T.KIN_TERMS if k[0] == term)
        _, rsex, _, lo, hi, same = spec
        male = (rsex == "M") if rsex else (not off.male)
        birth = off.birth - int(self.rand(lo, hi) * YEAR)
        birth = min(birth, TODAY - 400)
        sur = P.surname_of(off.name) if same else None
        return self.person(male=male, birth=birth, surname=sur, need=need)

    def unit(self, kind: str = "dept", exclude: tuple[Unit, ...] = ()) -> Unit:
        pool = [u for u in self.units if u.kind.startswith(kind) and u not in exclude]
        unit: Unit = self.pick(pool)
        return unit

    def dates_within(self, lo: int, hi: int, k: int, gap: int = 20) -> list[int]:
        """``k`` sorted payment dates in [lo, hi], at least ``gap`` days apart when room allows."""
        if hi - lo < gap * k:
            gap = max(1, (hi - lo) // max(k, 1))
        base = sorted(int(x) for x in self.rng.integers(lo, max(lo + 1, hi - gap * (k - 1)), size=k))
        return [b + i * gap for i, b in enumerate(base)]

    def tenure_window(self, start: int, end: int) -> tuple[int, int]:
        """A window of payment dates safely inside a tenure (month-precision tenures need margins)."""
        lo = max(start, PAY_START) + 70
        hi = (TODAY if end == NODATE else end) - 70
        return lo, hi

    def amounts(self, k: int, lo: float, hi: float) -> list[float]:
        out = []
        for _ in range(k):
            a = self.rand(lo, hi)
            out.append(round(a, -2) if self.rng.random() < 0.5 else round(a, 2))
        return out

    # ------------------------------------------------------------------ rows

    def add(self, kind: str, tag: str, precise: bool = True, **row: Any) -> None:
        full = {c: row.get(c) for c in COLUMNS[kind]}
        unknown = set(row) - set(COLUMNS[kind])
        if unknown:
            raise KeyError(f"{kind}: unknown columns {unknown}")
        full["_tag"] = tag
        full["_precise"] = precise
        self.rows[kind].append(full)

    def official(
        self, tag: str, unit: Unit, post: str, start: int, end: int = NODATE, p: Person | None = None,
        rank: str | None = None, male: bool = True, id_form: str = "std",
    ) -> Person:
        if p is None:
            p = self.person(male=male, years=(1964, 1980))
        p.id_written = True
        self.add(
            "officials", tag, name=p.name, id_number=p.id18, id_form=id_form, sex="男" if p.male else "女",
            birth=p.birth, unit=unit.name, post=post, rank=rank or self.pick(T.RANKS[:6]), start=start, end=end,
            phone=p.phone, address=p.address,
        )
        return p

    def relative(
        self, tag: str, off: Person, term: str, p: Person | None = None, *, need: str | None = None,
        show_id: bool = True, show_phone: bool = False, name_as: str | None = None,
    ) -> Person:
        if p is None:
            p = self.kin(off, term, need)
        if show_id:
            p.id_written = True
        self.add(
            "relatives", tag, official_name=off.name, official_id=off.id18, term=term, name=name_as or p.name,
            birth=p.birth, id_number=p.id18 if show_id else None, id_form="std",
            politics=self.pick(T.POLITICS), employer=self.pick(T.EMPLOYERS), phone=p.phone if show_phone else None,
        )
        return p

    def company(
        self, tag: str, lr: Person | None = None, *, lr_name: str | None = None, lr_id_shown: bool = True,
        lr_id_form: str = "std", lr_share: float | None = 0.6, lr_title: str = "执行董事兼总经理",
        established: int | None = None, capital_wan: float | None = None, status: str | None = None,
        address: str | None = None, phone: str | None = None, industry: int | None = None,
        extra_holders: int = 1, email: bool = True,
    ) -> Company:
        if lr is None:
            lr = self.person()
        ind = industry if industry is not None else self.randint(0, len(T.INDUSTRIES) - 1)
        name = self.company_name(ind)
        code = make_usccs(self.rng, [str(self.pick(T.COUNTIES[:13])[0])], self.used_codes)[0]
        est = established if established is not None else self.randint(day(2008, 1, 1), day(2016, 12, 31))
        cap = capital_wan if capital_wan is not None else float(self.pick(T.CAPITALS_WAN))
        c = Company(
            name, code, P.accounts(self.rng, 1, self.used_accts)[0],
            phone or P.landlines(self.rng, 1, self.used_phones)[0],
            address or P.office_addresses(self.rng, 1, self.used_addr)[0], est, lr, status or "存续", ind,
        )
        if lr_id_shown:
            lr.id_written = True
        self.add(
            "companies", tag, name=name, credit_code=code, legal_rep=lr_name or lr.name,
            legal_rep_id=lr.id18 if lr_id_shown else None, id_form=lr_id_form, established=est,
            reg_capital=cap * 10_000, status=c.status, address=c.address, phone=c.phone,
            email=P.emails(self.rng, 1, self.used_emails)[0] if email else None, scope=T.INDUSTRIES[ind][1],
        )
        rest = 1.0
        if lr_share:
            self.holder(tag, c, lr, lr_share, name_as=lr_name, id_shown=lr_id_shown, id_form=lr_id_form)
            rest -= lr_share
        others = [self.person() for _ in range(extra_holders)]
        for i, o in enumerate(others):
            share = rest if i == len(others) - 1 else round(rest / 2, 2)
            rest -= share
            if share > 0:
                self.holder(tag, c, o, share)
        self.officer(tag, c, lr, lr_title, name_as=lr_name)
        self.officer(tag, c, others[0] if others else self.person(), "监事")
        return c

    def company_name(self, ind: int) -> str:
        while True:
            trade = "".join(self.rng.choice(np.array(T.TRADE_CHARS), size=2))
            pre = self.pick(["吉安市", "江西", "江西省吉安市", "吉安", "吉州区", "泰和县", "井冈山市"])
            form = self.pick(T.ORG_FORMS)
            name = f"{pre}{trade}{T.INDUSTRIES[ind][0]}{form}"
            if name not in self.used_cnames:
                self.used_cnames.add(name)
                return str(name)

    def holder(
        self, tag: str, c: Company, who: Person | Company, share: float, *, name_as: str | None = None,
        id_shown: bool = True, id_form: str = "std", contrib: int | None = None, capital_wan: float = 100,
    ) -> None:
        is_person = isinstance(who, Person)
        if isinstance(who, Person) and id_shown:
            who.id_written = True
        hid = (who.id18 if isinstance(who, Person) else who.code) if id_shown else None
        self.add(
            "shareholders", tag, company=c.name, credit_code=c.code, holder=name_as or who.name,
            holder_type="自然人股东" if is_person else "企业法人", holder_id=hid, id_form=id_form, share=share,
            subscribed=round(share * capital_wan * 10_000, 2),
            contrib_date=contrib if contrib is not None else c.established + self.randint(0, 60),
        )

    def officer(
        self, tag: str, c: Company, p: Person, title: str, *, id_shown: bool = False, name_as: str | None = None,
        id_form: str = "std",
    ) -> None:
        if id_shown:
            p.id_written = True
        self.add("officers", tag, company=c.name, credit_code=c.code, name=name_as or p.name, title=title,
                 id_number=p.id18 if id_shown else None, id_form=id_form)

    def change(self, tag: str, c: Company, item: str, before: str, after: str, when: int) -> None:
        self.add("changes", tag, company=c.name, credit_code=c.code, item=item, before=before, after=after, date=when)

    def pay(
        self, tag: str, u: Unit, c: Company | Person, dates: list[int], amounts: list[float], *,
        purpose: str | None = None, account: str | None = None, channel: str | None = None,
    ) -> dict[str, Any]:
        acct = account or (c.account if isinstance(c, Company) else P.accounts(self.rng, 1, self.used_accts)[0])
        pur = purpose or (T.INDUSTRIES[c.industry][2] if isinstance(c, Company) else "劳务费")
        for d, a in zip(dates, amounts, strict=True):
            self._voucher += 1
            y = (iso(d) or "")[:4]
            self.add(
                "payments", tag, payer=u.name, payer_account=u.account, payee=c.name, payee_account=acct,
                amount=a, date=d, purpose=pur, voucher=f"记-{y}-{self._voucher:05d}",
                contract=f"JA-{y}-{self.randint(1, 999):03d}" if self.rng.random() < 0.6 else None,
                channel=channel or ("bank" if self.rng.random() < 0.25 else "treasury"),
            )
        return {"count": len(dates), "total": round(sum(amounts), 2), "first": iso(min(dates)), "last": iso(max(dates))}

    def subsidy(
        self, tag: str, payer: Unit, approver: Unit | None, p: Person, item: int, when: int, *,
        name_as: str | None = None, id_shown: bool = True,
    ) -> None:
        name, lo, hi = T.SUBSIDY_ITEMS[item]
        if id_shown:
            p.id_written = True
        self.add(
            "subsidies", tag, payer=payer.name, approver=approver.name if approver else None, name=name_as or p.name,
            id_number=p.id18 if id_shown else None, id_form="std", item=name, amount=float(self.randint(lo, hi)),
            date=when, account=P.accounts(self.rng, 1, self.used_accts)[0],
        )

    # ------------------------------------------------------------------ truth

    def next_id(self, prefix: str) -> str:
        n = (len(self.schemes) if prefix == "S" else len(self.decoys)) + 1
        return f"{self.tag_prefix}{prefix}{n:02d}"

    def truth(
        self, tag: str, query: str, confidence: str | None, *, official: Person | None, unit: Unit | None,
        relative: Person | None = None, relation: str | None = None, company: Company | None = None,
        desc_zh: str = "", desc_en: str = "", kind: str | None = None, in_family_record: bool = True,
        registry_name: str | None = None, **extra: Any,
    ) -> None:
        keys: dict[str, Any] = {
            "official": f"ric:{official.id18}" if official else None,
            "company": f"uscc:{company.code}" if company else None,
            "unit": unit_key(unit.name) if unit else None,
            "person": f"ric:{relative.id18}" if relative and relative.id_written else None,
        }
        entry: dict[str, Any] = {"id": tag, "query": query}
        if kind:
            entry["kind"] = kind
        else:
            entry["expected_confidence"] = confidence
        entry["description_zh"] = desc_zh
        entry["description_en"] = desc_en
        entry["official"] = (
            {"name": official.name, "id_number": official.id18, "unit": unit.name if unit else None} if official else None
        )
        entry["relative"] = (
            {"name": relative.name, "id_number": relative.id18 if relative.id_written else None, "relation": relation,
             "id_in_family_record": in_family_record, "registry_name": registry_name}
            if relative else None
        )
        entry["company"] = {"name": company.name, "credit_code": company.code} if company else None
        for k, v in extra.pop("keys", {}).items():
            keys[k] = v
        entry["keys"] = keys
        entry.update(extra)
        (self.decoys if kind else self.schemes).append(entry)

    # ------------------------------------------------------------------ build

    def build(self) -> dict[str, pd.DataFrame]:
        """Plant schemes and decoys, add background, return one shuffled DataFrame per kind."""
        from guanlian.demo import background, schemes

        if not self.units:  # a shard after the first keeps the first one's units (see follow)
            self.units = background.make_units(self)
        schemes.plant_all(self)
        frames = background.make_background(self)
        out: dict[str, pd.DataFrame] = {}
        for kind in KINDS:
            planted = pd.DataFrame(self.rows[kind], columns=[*COLUMNS[kind], "_tag", "_precise"])
            bg = frames[kind]
            bg["_tag"] = ""
            bg["_precise"] = False
            df = pd.concat([planted.astype(object), bg.astype(object)], ignore_index=True)
            perm = self.rng.permutation(len(df))
            out[kind] = df.iloc[perm].reset_index(drop=True)
        return out


Planter = Callable[[World, int], None]
