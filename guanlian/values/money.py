"""Money, exact: amounts live as integer fen (1 yuan = 100 fen) from parsing to the graph to every sum.

The graph stores ``PAYMENT.amount``, ``PAID.total``, ``Company.reg_capital`` and ``SHAREHOLDER_OF.subscribed`` as
integer fen, so ``sum()`` in either engine is an integer sum (a float sum differs run to run in the last digit).
Humans see yuan: :func:`yuan` gives the exact :class:`~decimal.Decimal`, :func:`yuan_text` the JSON form
(``"1229983.83"``, always two decimals) and :func:`format_money` the display form (``¥1,229,983.83``).
Thresholds written in yuan become fen with :func:`to_fen`, exactly (no float in between).

Example:
    >>> to_fen("1229983.83"), yuan_text(122998383), format_money(122998383, "en")
    (122998383, '1229983.83', 'CNY 1,229,983.83')
"""

from __future__ import annotations

import numbers
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from guanlian.values.vocab import Lang

_FEN = Decimal(100)


def to_fen(value: object) -> int:
    """Yuan (text, int, Decimal, or a float as it prints) → integer fen, rounded half up to the fen.

    Raises ValueError for what is not a number.

    >>> to_fen("50000"), to_fen(0.1), to_fen(Decimal("12.345")), to_fen("1,234.5")
    (5000000, 10, 1235, 123450)
    """
    if isinstance(value, bool):
        raise ValueError(f"not an amount: {value!r}")
    text = repr(value) if isinstance(value, float) else str(value)
    try:
        d = Decimal(text.strip().replace(",", "").replace("_", ""))
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if not d.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return int((d * _FEN).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def yuan(fen: int) -> Decimal:
    """Integer fen → exact yuan with two decimals.

    >>> yuan(122998383), yuan(5)
    (Decimal('1229983.83'), Decimal('0.05'))
    """
    return (Decimal(int(fen)) / _FEN).quantize(Decimal("0.01"))


def yuan_text(fen: int) -> str:
    """Integer fen → the yuan text written in JSON (``"1229983.83"``).

    >>> yuan_text(100), yuan_text(-250)
    ('1.00', '-2.50')
    """
    return str(yuan(fen))


def format_money(fen: object, lang: Lang) -> str:
    """Integer fen → ``¥1,229,983.83`` (zh) or ``CNY 1,229,983.83`` (en); ``""`` for None, other text as is.

    >>> format_money(122998383, "zh"), format_money(None, "zh")
    ('¥1,229,983.83', '')
    """
    if fen is None or isinstance(fen, bool) or (isinstance(fen, float) and fen != fen):
        return ""
    if isinstance(fen, numbers.Integral) or (isinstance(fen, float) and fen.is_integer()):
        v = yuan(int(fen))
    else:
        return str(fen)
    return f"¥{v:,.2f}" if lang == "zh" else f"CNY {v:,.2f}"
