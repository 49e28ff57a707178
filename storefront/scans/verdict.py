"""Whether the shop may use a scan: footscan's acceptance, the reasons and how to rescan.

Flask-free. The verdict is stored with the scan when footscan refuses or does not accept a
capture; :func:`verdict_of` reads it back for the fit, recommendation and order services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from storefront.domain_errors import ScanNotAccepted


class ScanRecord(Protocol):
    """What :func:`verdict_of` reads of a stored scan (the ``scan`` row)."""

    status: str
    result: Any
    error: str | None


__all__ = ["ScanRecord", "ScanVerdict", "refusal_verdict", "scan_verdict", "verdict_of"]


#: How to rescan, by words in footscan's reasons (first match wins); the last entry is general.
_ADVICE: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("inch",),
        "The scan looks like it is in inches: upload it again and choose the units it was saved in.",
    ),
    (
        ("scale", "units", "unscaled", "metric"),
        "The scan has no real-world scale: export it in millimetres, centimetres or metres "
        "(or choose the units when uploading); photogrammetry without a scale cannot be measured.",
    ),
    (
        ("not a foot",),
        "This does not look like a bare foot: scan one bare foot (no shoe or sock), standing on a "
        "flat, plain floor, and upload that capture.",
    ),
    (
        ("width", "girth", "side", "coverage", "covered"),
        "Part of the forefoot was not captured: scan again, moving the phone all the way around "
        "the foot at ankle height so both sides of the toes and the ball are seen.",
    ),
    (
        ("length", "heel", "toe"),
        "The heel or the toes were not captured: scan again with the whole foot in view, from "
        "behind the heel to in front of the toes.",
    ),
    (
        (),
        "Scan again: one bare foot on a flat, plain floor in good light, the phone circling the "
        "whole foot; then upload the new capture.",
    ),
)


def _advice(reasons: tuple[str, ...]) -> str:
    text = " ".join(reasons).lower()
    for words, advice in _ADVICE:
        if not words or any(w in text for w in words):
            return advice
    return _ADVICE[-1][1]  # pragma: no cover (the last entry matches everything)


@dataclass(frozen=True)
class ScanVerdict:
    """Whether the shop may use a scan, and if not, why and what to do.

    Attributes
    ----------
    accepted : bool
        True only when footscan measured the capture and accepted it
        (``quality.accepted``); everything else builds no foot profile.
    reasons : tuple of str
        footscan's rejection reasons (or its refusal), verbatim.
    advice : str
        What the shopper should do next; empty when accepted.
    """

    accepted: bool
    reasons: tuple[str, ...] = ()
    advice: str = ""

    @property
    def message(self) -> str:
        """One paragraph for people: the reasons, then what to do."""
        if self.accepted:
            return ""
        why = "; ".join(self.reasons) or "the capture could not be measured reliably"
        return f"This scan was not accepted ({why}). {self.advice}"

    def error(self) -> ScanNotAccepted:
        """The domain error that refuses a profile, fit or recommendation for this scan."""
        return ScanNotAccepted(self.message, self.reasons, self.advice)

    def to_dict(self) -> dict[str, Any]:
        """The verdict as JSON: ``accepted``, ``reasons`` (empty when accepted) and ``advice``."""
        return {"accepted": self.accepted, "reasons": list(self.reasons), "advice": self.advice}


def scan_verdict(result: Mapping[str, Any] | None) -> ScanVerdict:
    """The verdict in footscan's JSON for one capture.

    Not accepted when ``quality.accepted`` (or a top-level ``accepted``) is false, or when the
    result is missing or not an object. Reasons are ``quality.rejection_reasons``.
    """
    if not isinstance(result, Mapping):
        return refusal_verdict("no measurements")
    quality = result.get("quality")
    quality = quality if isinstance(quality, Mapping) else {}
    if quality.get("accepted") is False or result.get("accepted") is False:
        raw = quality.get("rejection_reasons") or result.get("rejection_reasons") or []
        reasons = tuple(str(r)[:300] for r in raw if r) if isinstance(raw, list | tuple) else ()
        reasons = reasons or ("footscan did not accept this capture",)
        return ScanVerdict(False, reasons, _advice(reasons))
    return ScanVerdict(True)


def refusal_verdict(reason: str) -> ScanVerdict:
    """The verdict for a capture footscan refused outright (not a foot, unknown units...)."""
    reasons = (str(reason)[:500] or "footscan refused this capture",)
    return ScanVerdict(False, reasons, _advice(reasons))


def verdict_of(scan: ScanRecord) -> ScanVerdict | None:
    """Whether the shop may use this scan; None while it is still queued or running."""
    if scan.status not in ("done", "failed"):
        return None
    stored = (scan.result or {}).get("verdict") if isinstance(scan.result, dict) else None
    if isinstance(stored, dict) and stored.get("accepted") is False:
        return ScanVerdict(
            False, tuple(stored.get("reasons") or ()), str(stored.get("advice") or "")
        )
    if scan.status == "failed":
        return refusal_verdict(scan.error or "the scan could not be measured")
    return scan_verdict(scan.result)
