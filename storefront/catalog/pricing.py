"""Prices in Korean won (KRW), the shop's currency of record.

Every amount in the catalogue, the database (shoe models, orders, order lines, returns,
made-to-measure quotes) and the API is a whole number of won: the won has no minor unit in
use, so there are no decimals and no conversion anywhere. Korean shops price in steps of
1,000 won (``129,000원``); :func:`round_won` keeps derived prices (made to measure) on that
grid.
"""

from __future__ import annotations

import math

__all__ = [
    "CURRENCY",
    "WON_STEP_KRW",
    "format_krw",
    "made_to_measure_price_krw",
    "round_won",
]

#: ISO 4217 code stored on orders and sent to the payment provider.
CURRENCY = "KRW"
#: Price grid of the shop in won.
WON_STEP_KRW = 1000


def round_won(amount_krw: float, step_krw: int = WON_STEP_KRW) -> int:
    """Round an amount to the shop's price grid, halves up.

    Parameters
    ----------
    amount_krw : float
        Amount in won; finite and not negative.
    step_krw : int
        Grid in won (default 1,000).

    Returns
    -------
    int
        Whole won on the grid.
    """
    if not math.isfinite(amount_krw) or amount_krw < 0:
        raise ValueError(f"amount_krw must be a finite amount >= 0, got {amount_krw!r}")
    if step_krw < 1:
        raise ValueError(f"step_krw must be >= 1, got {step_krw!r}")
    return int(math.floor(amount_krw / step_krw + 0.5)) * step_krw


def made_to_measure_price_krw(stock_price_krw: int, surcharge: float) -> int:
    """Price of a made-to-measure pair: the stock price times the surcharge, on the grid.

    Parameters
    ----------
    stock_price_krw : int
        Catalogue price of the model in won.
    surcharge : float
        Factor over the stock price (>= 1).

    Returns
    -------
    int
        Price in whole won, a multiple of :data:`WON_STEP_KRW`.
    """
    if surcharge < 1 or not math.isfinite(surcharge):
        raise ValueError(f"surcharge must be a finite factor >= 1, got {surcharge!r}")
    return round_won(int(stock_price_krw) * surcharge)


def format_krw(amount_krw: int, lang: str = "ko") -> str:
    """A price as Korean shops write it: ``129,000원`` (Korean) or ``₩129,000`` (English)."""
    n = f"{int(amount_krw):,}"
    return f"{n}원" if lang == "ko" else f"₩{n}"
