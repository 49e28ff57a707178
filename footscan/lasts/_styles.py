"""Base-last styles as data (``footscan/data/lasts/styles.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from footscan.lasts.exceptions import UnknownStyleError

__all__ = ["Style", "load_style", "style_names", "style_for_catalog_model", "style_data"]

GIRTHS = ("ball_girth", "waist_girth", "instep_girth", "heel_girth")
EASE_KEYS = (*GIRTHS, "ball_width")


@lru_cache(maxsize=1)
def style_data() -> dict[str, Any]:
    """The parsed style file (styles, toe shapes, landmark stations, regions, sources)."""
    text = resources.files("footscan").joinpath("data/lasts/styles.json").read_text("utf-8")
    return json.loads(text)


@dataclass(frozen=True)
class Style:
    """One base-last style.

    Attributes
    ----------
    name, label : str
        Key (a catalogue category) and display name.
    heel_height_mm : float
        Height of the heel seat's back point above the ball tread.
    toe_spring_mm : float
        Height of the last's toe tip above the ball tread.
    toe_allowance_mm, heel_allowance_mm : float
        Last-bottom length = foot length + toe allowance - heel allowance.
    toe_shape : str
        ``pointed``, ``round`` or ``square``.
    ease_mm : dict
        Last minus foot per measure; girths are taken around the foot standing on its insole.
    top_above_instep_mm : float
        The last's top (cone) above the foot's instep point.
    insole_base_mm, arch_support_max_mm, relief_mm : float
        Insole thickness under heel and forefoot, highest arch fill above it, relief depth
        under pressure peaks.
    """

    name: str
    label: str
    heel_height_mm: float
    toe_spring_mm: float
    toe_allowance_mm: float
    heel_allowance_mm: float
    toe_shape: str
    ease_mm: dict[str, float] = field(repr=False)
    top_above_instep_mm: float = 15.0
    insole_base_mm: float = 3.0
    arch_support_max_mm: float = 14.0
    relief_mm: float = 2.0

    def with_overrides(self, **kw: float) -> Style:
        """A copy with some numbers replaced (e.g. a catalogue model's own toe allowance)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d.update({k: v for k, v in kw.items() if v is not None})
        return Style(**d)


def style_names() -> tuple[str, ...]:
    """Names of the available styles."""
    return tuple(style_data()["styles"])


def load_style(name: str) -> Style:
    """The style ``name`` (see :func:`style_names`).

    Raises
    ------
    UnknownStyleError
        When there is no such style.
    """
    styles = style_data()["styles"]
    if name not in styles:
        raise UnknownStyleError(f"unknown style {name!r}; styles: {', '.join(styles)}")
    s = styles[name]
    return Style(
        name=name,
        label=str(s["label"]),
        heel_height_mm=float(s["heel_height_mm"]),
        toe_spring_mm=float(s["toe_spring_mm"]),
        toe_allowance_mm=float(s["toe_allowance_mm"]),
        heel_allowance_mm=float(s["heel_allowance_mm"]),
        toe_shape=str(s["toe_shape"]),
        ease_mm={k: float(s["ease_mm"][k]) for k in EASE_KEYS},
        top_above_instep_mm=float(s["top_above_instep_mm"]),
        insole_base_mm=float(s["insole_base_mm"]),
        arch_support_max_mm=float(s["arch_support_max_mm"]),
        relief_mm=float(s["relief_mm"]),
    )


def style_for_catalog_model(model: dict[str, Any]) -> Style:
    """The style of a catalogue model (a ``catalog.json`` model object).

    The category picks the base style; the model's own toe allowance, heel-to-toe drop (as
    heel height) and toe box (narrow = pointed, wide = square) override it.
    """
    style = load_style(str(model.get("category", "")))
    traits = model.get("traits", {})
    shape = {"narrow": "pointed", "wide": "square"}.get(traits.get("toe_box", ""), style.toe_shape)
    d = {k: getattr(style, k) for k in style.__dataclass_fields__}
    d["toe_shape"] = shape
    if "toe_allowance_mm" in model:
        d["toe_allowance_mm"] = float(model["toe_allowance_mm"])
    if "drop_mm" in traits:
        d["heel_height_mm"] = float(traits["drop_mm"])
    return Style(**d)
