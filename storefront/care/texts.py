"""The care pages' server-side texts in the page language (alert reasons, sources, notes).

Reasons and sources are composed in English by :mod:`gait.care` (and stored so with each
alert). For a Korean page they are translated when answered, through the one message
catalogue (:mod:`storefront.i18n`, ``ko.json``):

- every published source :mod:`gait.care` can name is a catalogue message of its own (a
  citation: authors, journal and numbers stay as written, the explanation is translated);
- a reason is ``"; "``-joined parts of a few fixed forms (a flag against a published
  threshold, a change for the worse against the own baseline, not measured, age unknown, or
  the place in the typical range); each part is recognised and rebuilt from its catalogue
  template with the indicator's translated label and unit.

A text of another form is left as it is (English), never dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from gait.care import reference_for
from gait.consts import REFERENCE_RANGES
from storefront.i18n import gettext

__all__ = ["localise", "localise_reason", "localise_source"]

#: Ages that select every variant of the age-banded sources.
_AGES = (None, 30.0, 62.0, 70.0)
#: Place of a value in the typical range -> catalogue message.
_STATUS = {
    "within": "within the typical range",
    "below": "below the typical range",
    "above": "above the typical range",
    "unknown": "not measured",
}
_LEVEL = {"watch": "Watch", "act": "Act"}
_FLAG = re.compile(
    r"^(?P<level>watch|act): (?P<label>.+) (?P<value>\S+) (?P<unit>\S+) \((?P<source>.+)\)$"
)
_WORSE = re.compile(
    r"^changed for the worse by (?P<change>\S+) (?P<unit>.+?) against the own baseline "
    r"(?P<baseline>\S+) \(more than the smallest meaningful change (?P<smallest>\S+): "
    r"(?P<source>.+)\)$"
)
_FEW = re.compile(r"^not measured in the latest session \(fewer than (?P<n>\d+) strides\)$")
_FIXED = (
    "not measured in the latest session",
    "age unknown: thresholds for adults >= 60-65 y applied",
)


@functools.cache
def _sources() -> tuple[re.Pattern[str], tuple[str, ...]]:
    """Every source text gait can name (longest first) and one pattern matching any of them."""
    found: set[str] = set()
    for name in REFERENCE_RANGES:
        for age in _AGES:
            ref = reference_for(name, age)
            found.update(s for s in (ref.source, ref.flag_source, ref.change_source) if s)
    texts = tuple(sorted(found, key=len, reverse=True))
    return re.compile("|".join(re.escape(s) for s in texts)), texts


@functools.cache
def _labels() -> dict[str, str]:
    """Lower-case indicator label (as it appears in reasons) -> label."""
    return {
        reference_for(n, None).label.lower(): reference_for(n, None).label for n in REFERENCE_RANGES
    }


def localise_source(text: str, language: str) -> str:
    """A source text (one source or several joined by ``"; "``) in ``language``."""
    if language == "en" or not text:
        return text
    pattern, _ = _sources()
    return pattern.sub(lambda m: gettext(m.group(0), language), text)


def _part(part: str, language: str, source: Callable[[str], str]) -> str:
    m = _FLAG.match(part)
    if m and m["label"] in _labels():
        return gettext(
            "{level}: {label} {value} {unit} ({source})", language,
            level=gettext(_LEVEL[m["level"]], language),
            label=gettext(_labels()[m["label"]], language),
            value=m["value"], unit=gettext(m["unit"], language), source=source(m["source"]),
        )  # fmt: skip
    m = _WORSE.match(part)
    if m:
        return gettext(
            "changed for the worse by {change} {unit} against the own baseline {baseline} "
            "(more than the smallest meaningful change {smallest}: {source})", language,
            change=m["change"], unit=gettext(m["unit"], language), baseline=m["baseline"],
            smallest=m["smallest"], source=source(m["source"]),
        )  # fmt: skip
    m = _FEW.match(part)
    if m:
        return gettext(
            "not measured in the latest session (fewer than {n} strides)", language, n=m["n"]
        )
    if part in _FIXED:
        return gettext(part, language)
    if part in _STATUS:
        return gettext(_STATUS[part], language)
    return part


def localise_reason(text: str, language: str) -> str:
    """An indicator's or alert's reason in ``language`` (parts of unknown form unchanged)."""
    if language == "en" or not text:
        return text
    pattern, _ = _sources()
    # Sources hold "; " themselves: set them aside before splitting the reason into parts.
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:
        held.append(m.group(0))
        return f"\x00{len(held) - 1}\x00"

    def source(token: str) -> str:
        return re.sub(r"\x00(\d+)\x00", lambda m: localise_source(held[int(m[1])], language), token)

    parts = pattern.sub(hold, text).split("; ")
    return "; ".join(source(_part(p, language, source)) for p in parts)


_KEYS: dict[str, Callable[[str, str], str]] = {
    "reason": localise_reason,
    "source": localise_source,
    "reference_source": localise_source,
    "note": gettext,
    "how": gettext,
}


def localise(data: Any, language: str) -> Any:
    """``data`` (an API answer of the care pages) with its texts in ``language`` (a copy)."""
    if language == "en":
        return data
    if isinstance(data, dict):
        return {
            k: (
                _KEYS[k](v, language)
                if k in _KEYS and isinstance(v, str)
                else localise(v, language)
            )
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [localise(v, language) for v in data]
    return data
