"""Fit of one foot to every size of one shoe model (rule prior of storefront §1.2).

Rules (``RULE_VERSION``), documented in docs/fit-and-recommendation.md:

1. **Length.** The model's advised toe room (``toe_allowance_mm``: running/sport 10-15 mm, dress
   15-20 mm, more for pointed toes) is compared with the toe room the size leaves:
   ``toe_room = last_length + brand_offset + learned_offset - foot_length``. The best size is the
   smallest whose toe room is at least the advised one (the foot given is the governing, longer
   foot). ``+`` offsets mean the last runs long.
2. **Girth.** The last's ball girth should lie within one width fitting (6.5 mm) of the foot's;
   stretchy uppers (knit, mesh, leather) and snug sport fits tolerate more on the tight side.
   Length is never increased to make up for width: the best length is kept and the fitting of the
   model closest to the foot is chosen.
3. **Heel.** The last grips the heel: a few mm narrower than the foot is "good", wider "roomy"
   (heel slip).
4. Scores are 100 minus penalties for every mm outside the good bands; the verdict vocabulary is
   ``LENGTH_VERDICTS`` and ``WIDTH_VERDICTS`` (the heel uses the width vocabulary).

The verdict and score kernels are vectorised (numpy) so that :mod:`storefront.fit.recommend` applies
exactly the same rules to a whole catalog at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from storefront.catalog.models import ShoeModel
from storefront.domain_errors import CatalogError
from storefront.fit.profiles import FootProfile

__all__ = [
    "RULE_VERSION",
    "LENGTH_VERDICTS",
    "WIDTH_VERDICTS",
    "ADVISED_TOE_ROOM_MM",
    "UPPER_STRETCH_MM",
    "SizeFit",
    "FitResult",
    "fit_model",
    "fit_best",
    "length_kernel",
    "girth_kernel",
    "heel_kernel",
    "tight_tolerance_mm",
]

RULE_VERSION = "fit-rules/1.0"
LENGTH_VERDICTS: tuple[str, ...] = ("too short", "snug", "good", "roomy", "too long")
WIDTH_VERDICTS: tuple[str, ...] = ("too narrow", "snug", "good", "roomy", "too wide")
_UNKNOWN = "unknown"

#: Default advised toe room per category, mm (catalog models carry their own value).
ADVISED_TOE_ROOM_MM: dict[str, float] = {
    "running": 12.0,
    "trail": 13.0,
    "walking": 12.0,
    "casual": 12.0,
    "comfort": 14.0,
    "dress": 16.0,
    "kids": 14.0,
}
#: Extra tolerance on the tight side of girth for uppers that give, mm.
UPPER_STRETCH_MM: dict[str, float] = {"knit": 4.0, "mesh": 2.0, "leather": 2.0, "synthetic": 0.0}
_FITTING_MM = 6.5
# Snug sport fits put the last girth under the foot (tennis study, storefront §1.1).
_SPORT_SNUG_MM = 3.0
_SPORT = ("running", "trail")

# Length bands on d = toe_room - advised (mm). "good" is wider than a whole EU size (6.67 mm)
# so that the best size of any model is "good" for a foot inside the catalog's range.
_LEN_EDGES = np.array([-6.0, 0.0, 7.0, 12.0])
_TOO_SHORT_ABS_MM = 3.0  # less toe room than this is "too short" whatever the advice
_GIRTH_GOOD = (-2.5, 3.5)
_HEEL_EDGES = np.array([-9.0, -4.0, 2.0, 5.0])


def tight_tolerance_mm(category: str, upper: str) -> float:
    """How much smaller than the foot the last's ball girth may be before "too narrow", mm."""
    return (
        _FITTING_MM
        + UPPER_STRETCH_MM.get(upper, 0.0)
        + (_SPORT_SNUG_MM if category in _SPORT else 0.0)
    )


def length_kernel(
    toe_room_mm: np.ndarray, advised_mm: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Length verdict codes (index into ``LENGTH_VERDICTS``) and score penalties.

    Parameters
    ----------
    toe_room_mm : (n,) float
        Effective last length minus foot length.
    advised_mm : float or (n,) float
        Advised toe room.

    Returns
    -------
    codes : (n,) int
    penalty : (n,) float
        6 points per mm short of the advice, 3 per mm beyond 5 mm extra.
    """
    toe = np.asarray(toe_room_mm, dtype=np.float64)
    d = toe - advised_mm
    codes = np.searchsorted(_LEN_EDGES, d, side="right")
    codes = np.where(toe < _TOO_SHORT_ABS_MM, 0, codes)
    penalty = np.where(d < 0.0, -6.0 * d, np.where(d > 5.0, 3.0 * (d - 5.0), 0.0))
    return codes, penalty


def girth_kernel(
    margin_mm: np.ndarray, tight_tol_mm: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    """Width verdict codes (-1 = unknown) and penalties from last-minus-foot ball girth.

    Parameters
    ----------
    margin_mm : (n,) float
        Last ball girth minus foot ball girth; NaN when unknown.
    tight_tol_mm : float or (n,) float
        See :func:`tight_tolerance_mm`.
    """
    m = np.asarray(margin_mm, dtype=np.float64)
    lo, hi = _GIRTH_GOOD
    codes = np.select(
        [m < -tight_tol_mm, m < lo, m <= hi, m <= _FITTING_MM], [0, 1, 2, 3], default=4
    )
    codes = np.where(np.isnan(m), -1, codes)
    penalty = np.where(
        m < lo,
        3.0 * (lo - m) + np.where(m < -tight_tol_mm, 15.0, 0.0),
        np.where(m > hi, 2.5 * (m - hi) + np.where(m > _FITTING_MM, 10.0, 0.0), 0.0),
    )
    return codes, np.nan_to_num(penalty, nan=0.0)


def heel_kernel(margin_mm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Heel verdict codes (-1 = unknown) and penalties from last-minus-foot heel width."""
    m = np.asarray(margin_mm, dtype=np.float64)
    codes = np.where(np.isnan(m), -1, np.searchsorted(_HEEL_EDGES, m, side="right"))
    penalty = np.where(
        m < _HEEL_EDGES[1], 2.0 * (_HEEL_EDGES[1] - m), np.where(m > 2.0, 2.0 * (m - 2.0), 0.0)
    )
    return codes, np.nan_to_num(penalty, nan=0.0)


@dataclass(frozen=True)
class SizeFit:
    """Verdict for one size and width fitting of a model."""

    eu: float
    width: str
    uk: float
    us_men: float
    us_women: float
    last_length_mm: float
    toe_room_mm: float
    advised_toe_room_mm: float
    length_verdict: str
    girth_margin_mm: float | None
    width_verdict: str
    heel_margin_mm: float | None
    heel_verdict: str
    score: float
    in_stock: bool
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """One size's fit as JSON: size systems, toe room and advised toe room (mm), verdicts, score."""
        return {
            "eu": self.eu,
            "width": self.width,
            "uk": self.uk,
            "us_men": self.us_men,
            "us_women": self.us_women,
            "last_length_mm": self.last_length_mm,
            "toe_room_mm": round(self.toe_room_mm, 1),
            "advised_toe_room_mm": self.advised_toe_room_mm,
            "length_verdict": self.length_verdict,
            "girth_margin_mm": None
            if self.girth_margin_mm is None
            else round(self.girth_margin_mm, 1),
            "width_verdict": self.width_verdict,
            "heel_margin_mm": None
            if self.heel_margin_mm is None
            else round(self.heel_margin_mm, 1),
            "heel_verdict": self.heel_verdict,
            "score": round(self.score, 1),
            "in_stock": self.in_stock,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class FitResult:
    """Fit of one foot to every size of one model."""

    model_id: str
    shop_id: str
    category: str
    foot_length_mm: float
    foot_side: str | None
    sizes: tuple[SizeFit, ...]
    best_size: float
    best_width: str
    confidence: float
    brand_offset_mm: float
    learned_offset_mm: float
    reasons: tuple[str, ...] = ()
    rule_version: str = RULE_VERSION
    _best: SizeFit | None = field(default=None, repr=False, compare=False)

    @property
    def best(self) -> SizeFit:
        """The :class:`SizeFit` of the best size and width."""
        assert self._best is not None
        return self._best

    @property
    def score(self) -> float:
        """Score of the best size (0-100)."""
        return self.best.score

    def to_dict(self) -> dict[str, Any]:
        """The model's fit as JSON: best size and width, confidence, offsets (mm), every size."""
        best = self.best
        return {
            "model_id": self.model_id,
            "shop_id": self.shop_id,
            "category": self.category,
            "foot_length_mm": self.foot_length_mm,
            "foot_side": self.foot_side,
            "best_size": self.best_size,
            "best_width": self.best_width,
            "best_uk": best.uk,
            "best_us_men": best.us_men,
            "best_us_women": best.us_women,
            "score": round(best.score, 1),
            "confidence": self.confidence,
            "brand_offset_mm": self.brand_offset_mm,
            "learned_offset_mm": self.learned_offset_mm,
            "rule_version": self.rule_version,
            "reasons": list(self.reasons),
            "sizes": [s.to_dict() for s in self.sizes],
        }


def _length_reason(d: float, toe: float, advised: float, code: int, category: str) -> str:
    if toe < _TOO_SHORT_ABS_MM:
        return f"only {max(toe, 0.0):.0f} mm of toe room: your toes would touch the end"
    if d < 0.0:
        amount = "slightly" if -d < 0.5 else f"{-d:.0f} mm"
        return f"{amount} less toe room than we advise for {category}"
    if code >= 3:
        return f"{d:.0f} mm more toe room than we advise for {category}: the shoe may feel long"
    return f"{toe:.0f} mm of toe room; we advise {advised:.0f} mm for {category}"


def _girth_reason(m: float | None, code: int, upper: str, wider: str | None) -> str | None:
    if m is None or code < 0:
        return "we could not measure your ball girth, so the width is not checked"
    if code == 0:
        tail = (
            f"try the {wider} fitting"
            if wider
            else "this model has no wider fitting, and we never size up in length for width"
        )
        return f"{-m:.0f} mm tighter than your foot around the ball: {tail}"
    if code == 1:
        give = " the " + upper + " upper will give a little" if UPPER_STRETCH_MM.get(upper) else ""
        return f"{-m:.0f} mm snugger than your foot around the ball;{give}".rstrip(";")
    if code == 2:
        return f"the ball girth matches your foot (within {abs(m):.0f} mm)"
    if code == 3:
        return f"{m:.0f} mm roomier than your foot around the ball"
    return (
        f"{m:.0f} mm wider than your foot around the ball: a narrower fitting would hold it better"
    )


def _heel_reason(h: float | None, code: int) -> str | None:
    if h is None or code < 0 or code == 2:
        return None
    if code >= 3:
        return f"the heel is {h:.0f} mm wider than yours: it may slip"
    return f"the heel is {-h:.0f} mm narrower than yours: a firm grip"


def fit_model(
    foot: FootProfile,
    model: ShoeModel | Mapping[str, Any],
    brand_offset_mm: float | None = None,
    learned_offset_mm: float = 0.0,
) -> FitResult:
    """Verdict for every size of ``model`` on ``foot``, and the best size.

    Parameters
    ----------
    foot : FootProfile
        The governing foot (use :meth:`FootProfile.pair` for two feet).
    model : ShoeModel or mapping
        A catalog model (a catalog.json model object is accepted too).
    brand_offset_mm : float, optional
        Brand sizing offset, mm of last length (+ runs long). ``None`` (default) takes the
        offset of the model's shop as loaded from the catalog (``model.brand_offset_mm``);
        pass ``0.0`` to ignore it.
    learned_offset_mm : float
        Per-model offset learned from fit feedback (:mod:`storefront.fit.learning`), mm.

    Returns
    -------
    FitResult
    """
    return _fit(foot, model, brand_offset_mm, learned_offset_mm, only_best=False)


def fit_best(
    foot: FootProfile,
    model: ShoeModel | Mapping[str, Any],
    brand_offset_mm: float | None = None,
    learned_offset_mm: float = 0.0,
) -> FitResult:
    """:func:`fit_model` for the best size only (``sizes`` holds just that size): the fast
    path the recommender uses for its top results. Same rules, same best size and reasons."""
    return _fit(foot, model, brand_offset_mm, learned_offset_mm, only_best=True)


def _fit(
    foot: FootProfile,
    model: ShoeModel | Mapping[str, Any],
    brand_offset_mm: float | None,
    learned_offset_mm: float,
    only_best: bool,
) -> FitResult:
    if not isinstance(foot, FootProfile):
        raise TypeError(f"foot must be a FootProfile, got {type(foot).__name__}")
    model = _as_model(model)
    brand = float(model.brand_offset_mm if brand_offset_mm is None else brand_offset_mm)
    learned = float(learned_offset_mm)
    cat = model.category
    advised = float(model.toe_allowance_mm)
    tight = tight_tolerance_mm(cat, model.traits.upper)
    sizes = model.sizes
    last_len = np.array([s.last_length_mm for s in sizes])
    toe = np.round(last_len + brand + learned - foot.foot_length_mm, 6)
    l_codes, l_pen = length_kernel(toe, advised)
    gm, hm = _margins_mm(foot, sizes)
    g_codes, g_pen = girth_kernel(gm, tight)
    h_codes, h_pen = heel_kernel(hm)
    score = np.clip(100.0 - l_pen - g_pen - h_pen, 0.0, 100.0)

    pick = _best_row(np.array([s.eu for s in sizes]), toe, advised, gm)
    widths = model.widths
    wider_of = {w: (widths[i + 1] if i + 1 < len(widths) else None) for i, w in enumerate(widths)}

    fits = []
    best_fit = None
    for i in [int(pick)] if only_best else range(len(sizes)):
        s = sizes[i]
        g = None if np.isnan(gm[i]) else float(gm[i])
        h = None if np.isnan(hm[i]) else float(hm[i])
        reasons = [
            _length_reason(float(toe[i] - advised), float(toe[i]), advised, int(l_codes[i]), cat)
        ]
        gr = _girth_reason(g, int(g_codes[i]), model.traits.upper, wider_of.get(s.width))
        hr = _heel_reason(h, int(h_codes[i]))
        reasons += [r for r in (gr, hr) if r]
        sf = SizeFit(
            eu=s.eu,
            width=s.width,
            uk=s.uk,
            us_men=s.us_men,
            us_women=s.us_women,
            last_length_mm=s.last_length_mm,
            toe_room_mm=float(toe[i]),
            advised_toe_room_mm=advised,
            length_verdict=LENGTH_VERDICTS[int(l_codes[i])],
            girth_margin_mm=g,
            width_verdict=_UNKNOWN if g_codes[i] < 0 else WIDTH_VERDICTS[int(g_codes[i])],
            heel_margin_mm=h,
            heel_verdict=_UNKNOWN if h_codes[i] < 0 else WIDTH_VERDICTS[int(h_codes[i])],
            score=float(score[i]),
            in_stock=sum(s.stock.values()) > 0,
            reasons=tuple(reasons),
        )
        fits.append(sf)
        if i == pick:
            best_fit = sf
    assert best_fit is not None

    confidence, summary = _confidence_and_summary(best_fit, advised, brand, learned)
    return FitResult(
        model_id=model.id,
        shop_id=model.shop_id,
        category=cat,
        foot_length_mm=foot.foot_length_mm,
        foot_side=foot.side,
        sizes=tuple(fits),
        best_size=best_fit.eu,
        best_width=best_fit.width,
        confidence=round(confidence, 2),
        brand_offset_mm=brand,
        learned_offset_mm=learned,
        reasons=tuple(summary),
        _best=best_fit,
    )


def _as_model(model: ShoeModel | Mapping[str, Any]) -> ShoeModel:
    """A catalog model as given, or parsed from its catalog.json object."""
    if isinstance(model, ShoeModel):
        return model
    try:
        return ShoeModel.from_dict(model)
    except CatalogError:
        raise
    except Exception as exc:  # not a mapping at all
        raise CatalogError(f"model: expected a ShoeModel or catalog object ({exc})") from None


def _margins_mm(foot: FootProfile, sizes: Any) -> tuple[np.ndarray, np.ndarray]:
    """Ball girth and heel width margins (last minus foot, mm) per size; NaN when unknown."""
    if foot.ball_girth_mm is not None:
        gm = np.array([s.ball_girth_mm for s in sizes]) - foot.ball_girth_mm
    elif foot.ball_width_mm is not None:
        # Width alone: convert the width margin to girth with the grading ratio.
        gm = (np.array([s.ball_width_mm for s in sizes]) - foot.ball_width_mm) / 0.395
    else:
        gm = np.full(len(sizes), np.nan)
    if foot.heel_width_mm is not None:
        hm = np.array([s.heel_width_mm for s in sizes]) - foot.heel_width_mm
    else:
        hm = np.full(len(sizes), np.nan)
    return gm, hm


def _best_row(eus: np.ndarray, toe: np.ndarray, advised: float, gm: np.ndarray) -> int:
    """Index of the best size: the smallest EU size leaving the advised toe room (all widths
    share length), then the fitting whose girth is closest to the foot's."""
    ok = toe >= advised - 1e-9
    best_eu = float(eus[ok].min()) if ok.any() else float(eus.max())
    at = np.flatnonzero(np.abs(eus - best_eu) < 1e-9)
    gm_at = np.nan_to_num(gm[at], nan=0.0)
    # Slightly prefer snug over roomy (lasts give, they do not shrink).
    return int(at[int(np.argmin(np.where(gm_at < 0, -gm_at * 0.9, gm_at)))])


def _confidence_and_summary(
    best_fit: SizeFit, advised: float, brand: float, learned: float
) -> tuple[float, list[str]]:
    """How sure the best size is (0..1) and the reasons shown for it, offsets included."""
    confidence = 0.95
    if best_fit.length_verdict != "good":
        confidence = 0.3
    if best_fit.width_verdict == _UNKNOWN:
        confidence *= 0.8
    elif best_fit.width_verdict in ("too narrow", "too wide"):
        confidence *= 0.5
    # A foot right at a size boundary could go either way.
    if best_fit.toe_room_mm - advised < 1.0:
        confidence *= 0.85

    summary = list(best_fit.reasons)
    if abs(brand) >= 0.5:
        summary.append(
            f"this brand's lasts run {abs(brand):.0f} mm {'long' if brand > 0 else 'short'}; "
            "we allowed for that"
        )
    if abs(learned) >= 0.5:
        summary.append(
            f"shoppers' fit feedback says this model runs {abs(learned):.0f} mm "
            f"{'long' if learned > 0 else 'short'}; we allowed for that"
        )
    if best_fit.length_verdict == "too short":
        summary.append("even the largest size we make is too short for your foot")
    return confidence, summary
