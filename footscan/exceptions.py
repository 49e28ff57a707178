"""Exceptions raised by :mod:`footscan`.

Every error a user can cause by handing us a bad scan is a :class:`FootscanError`;
the command line turns it into one line on stderr and exit status 2.
"""

from __future__ import annotations

__all__ = [
    "FootscanError",
    "ScanReadError",
    "ScanValidationError",
    "ScaleUnknownError",
    "NotAFootError",
    "MissingExtraError",
]


class FootscanError(Exception):
    """Base class of every footscan error."""


class ScanReadError(FootscanError):
    """The file could not be read or parsed (unknown format, truncated, corrupt)."""


class ScanValidationError(FootscanError):
    """The data were read but are unusable (too few points, NaN, too noisy...)."""


class ScaleUnknownError(ScanValidationError):
    """The units (m / cm / mm) cannot be told from the extent; pass them explicitly."""


class NotAFootError(ScanValidationError):
    """The geometry does not have the proportions of a human foot."""


class MissingExtraError(FootscanError, ImportError):
    """An optional dependency is missing; the message names the extra to install."""

    def __init__(self, extra: str, package: str) -> None:
        super().__init__(
            f"this feature needs the optional package {package!r}: "
            f'install it with pip install "shoestreet[{extra}]"'
        )
        self.extra = extra
        self.package = package
