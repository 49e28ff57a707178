"""Errors of :mod:`footscan.lasts` (all are :class:`footscan.exceptions.FootscanError`)."""

from __future__ import annotations

from footscan.exceptions import FootscanError

__all__ = [
    "LastError",
    "UnknownStyleError",
    "PressureMapError",
    "LastBuildError",
    "StepUnavailableError",
]


class LastError(FootscanError):
    """Base class of every error of the personal-last and insole builder."""


class UnknownStyleError(LastError, KeyError):
    """The style name is not in the style data."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        """The message itself (``KeyError`` would print it quoted)."""
        return str(self.args[0]) if self.args else "unknown style"


class PressureMapError(LastError, ValueError):
    """A pressure map is malformed (shape, NaN, negative or implausible kPa)."""


class LastBuildError(LastError):
    """The foot cannot carry a last (too few points at a station, no heel or toe)."""


class StepUnavailableError(LastError):
    """STEP export was asked for but the optional OpenCASCADE binding is not installed."""
