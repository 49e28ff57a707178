"""Shoe styles: what makes an oxford, a runner, a boot or a sandal look like one.

:func:`shoe_style` picks a style for a catalogue model from its category and the last word of
its name; :mod:`storefront.catalog.glb` builds each style's meshes from the model's own last.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STYLES", "STYLE_SPECS", "StyleSpec", "shoe_style"]

#: The shoe styles the catalogue's models are drawn as (see :func:`shoe_style`).
STYLES: tuple[str, ...] = (
    "oxford",
    "derby",
    "brogue",
    "loafer",
    "sneaker",
    "canvas",
    "runner",
    "trail",
    "boot",
    "walker",
    "comfort",
    "sandal",
    "kids",
    "pump",
)


@dataclass(frozen=True)
class StyleSpec:
    """What makes a style look like itself; lengths in mm, positions as fractions of length."""

    sole_scale: float = 1.0  # times the cushioning-based forefoot sole thickness
    sole_max_mm: float = 40.0
    sole_flare: float = 1.06  # sole half-width / last half-width
    sole_margin_mm: float = 2.5
    cup: bool = False  # boxy cupsole walls (sneakers) instead of a rounded midsole
    rocker: float = 0.0  # extra toe spring, mm
    collar: tuple[float, float, float] = (0.03, 0.38, 0.80)  # opening t0, t1, depth fraction
    shaft_mm: float = 0.0  # boot shaft above the last at the heel
    laces: tuple[int, float, float] = (0, 0.0, 0.0)  # bars, from t, to t
    toe: str = "none"  # none | cap | wing | bumper | moc
    counter: bool = True  # heel counter
    straps: tuple[float, ...] = ()  # hook-and-loop / sandal straps at these t
    stripe: bool = False  # running shoe side stripes
    lugs: bool = False  # outsole lugs
    open_upper: bool = False  # sandal: straps only, no closed upper
    heel_tab: bool = False  # pull tab at the back
    heel_mm: float = 0.0  # a built heel this high (pump): thin sole plate, tapered heel post


STYLE_SPECS: dict[str, StyleSpec] = {
    "oxford": StyleSpec(
        sole_scale=0.45,
        sole_max_mm=9.0,
        sole_flare=1.03,
        sole_margin_mm=1.5,
        collar=(0.03, 0.50, 0.85),
        laces=(5, 0.47, 0.60),
        toe="cap",
        counter=False,
    ),
    "derby": StyleSpec(
        sole_scale=0.55,
        sole_max_mm=11.0,
        sole_flare=1.05,
        sole_margin_mm=2.5,
        collar=(0.03, 0.46, 0.85),
        laces=(4, 0.44, 0.58),
        toe="none",
        counter=True,
    ),
    "brogue": StyleSpec(
        sole_scale=0.5,
        sole_max_mm=10.0,
        sole_flare=1.04,
        sole_margin_mm=2.0,
        collar=(0.03, 0.50, 0.85),
        laces=(5, 0.47, 0.60),
        toe="wing",
        counter=True,
    ),
    "loafer": StyleSpec(
        sole_scale=0.6,
        sole_max_mm=12.0,
        sole_flare=1.04,
        sole_margin_mm=2.0,
        collar=(0.03, 0.53, 0.90),
        toe="moc",
        counter=False,
        straps=(0.56,),
    ),
    "sneaker": StyleSpec(
        sole_scale=0.9,
        sole_max_mm=20.0,
        sole_flare=1.06,
        cup=True,
        laces=(7, 0.40, 0.70),
        toe="cap",
        heel_tab=True,
    ),
    "canvas": StyleSpec(
        sole_scale=0.8,
        sole_max_mm=16.0,
        sole_flare=1.05,
        cup=True,
        collar=(0.03, 0.40, 0.82),
        laces=(6, 0.40, 0.64),
        toe="bumper",
        counter=False,
    ),
    "runner": StyleSpec(
        sole_scale=1.45,
        sole_max_mm=46.0,
        sole_flare=1.18,
        sole_margin_mm=4.0,
        rocker=10.0,
        collar=(0.03, 0.38, 0.85),
        laces=(6, 0.40, 0.64),
        stripe=True,
        heel_tab=True,
    ),
    "trail": StyleSpec(
        sole_scale=1.0,
        sole_max_mm=28.0,
        sole_flare=1.08,
        sole_margin_mm=3.0,
        rocker=3.0,
        collar=(0.02, 0.34, 0.70),
        shaft_mm=14.0,
        laces=(6, 0.38, 0.64),
        toe="bumper",
        lugs=True,
        stripe=True,
    ),
    "boot": StyleSpec(
        sole_scale=1.0,
        sole_max_mm=30.0,
        sole_flare=1.10,
        sole_margin_mm=4.0,
        rocker=4.0,
        collar=(0.02, 0.30, 0.80),
        shaft_mm=62.0,
        laces=(8, 0.22, 0.62),
        toe="bumper",
        lugs=True,
        heel_tab=True,
    ),
    "walker": StyleSpec(
        sole_scale=1.2,
        sole_max_mm=34.0,
        sole_flare=1.12,
        rocker=14.0,
        collar=(0.03, 0.45, 0.85),
        laces=(4, 0.47, 0.62),
        toe="moc",
    ),
    "comfort": StyleSpec(
        sole_scale=1.0,
        sole_max_mm=30.0,
        sole_flare=1.09,
        sole_margin_mm=3.0,
        rocker=5.0,
        collar=(0.03, 0.40, 0.82),
        straps=(0.48, 0.61),
        toe="none",
    ),
    "sandal": StyleSpec(
        sole_scale=1.3,
        sole_max_mm=30.0,
        sole_flare=1.12,
        sole_margin_mm=4.0,
        cup=True,
        straps=(0.44, 0.66),
        counter=False,
        open_upper=True,
    ),
    "pump": StyleSpec(
        sole_scale=0.3,
        sole_max_mm=6.0,
        sole_flare=1.02,
        sole_margin_mm=1.0,
        collar=(0.03, 0.64, 0.92),
        toe="none",
        counter=False,
        heel_mm=75.0,
    ),
    "kids": StyleSpec(
        sole_scale=1.2,
        sole_max_mm=24.0,
        sole_flare=1.10,
        sole_margin_mm=3.0,
        cup=True,
        collar=(0.03, 0.42, 0.82),
        straps=(0.50, 0.63),
        toe="bumper",
        heel_tab=True,
    ),
}


def shoe_style(category: str, name: str) -> str:
    """The style a catalogue model is drawn as, from its category and its name's last word.

    Parameters
    ----------
    category : str
        The model's category (``running``, ``trail``, ``dress``...).
    name : str
        The model's name (``"Windsor Brogue"``, ``"Moss Trek"``...).

    Returns
    -------
    str
        One of :data:`STYLES`.
    """
    last = name.split()[-1].lower() if name.split() else ""
    if category == "dress":
        return {
            "derby": "derby",
            "brogue": "brogue",
            "loafer": "loafer",
            "monk": "loafer",
            "pump": "pump",
            "heel": "pump",
        }.get(last, "oxford")
    if category == "casual":
        return {"slip-on": "loafer", "canvas": "canvas"}.get(last, "sneaker")
    if category == "trail":
        return "boot" if last in ("gtx", "peak", "trek") else "trail"
    if category == "comfort":
        return "sandal" if last == "care" else "comfort"
    return {"running": "runner", "walking": "walker", "kids": "kids"}.get(category, "sneaker")
