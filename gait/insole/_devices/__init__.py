"""Decoder registry: one pure decoder per insole model, looked up by name.

A decoder turns one notification payload into a :class:`DecodedPacket`. Ours
(``"shoestreet-v1"``) is registered here; other layouts are added with :func:`register_decoder`
beside it (see :mod:`gait.insole._devices.fau_insole` for a third-party example).
"""

from __future__ import annotations

from gait.insole._devices import fau_insole, shoestreet
from gait.insole._devices._registry import (
    DecodedPacket,
    DecodedSample,
    Decoder,
    decoder_names,
    get_decoder,
    register_decoder,
)

__all__ = [
    "DecodedSample",
    "DecodedPacket",
    "Decoder",
    "register_decoder",
    "get_decoder",
    "decoder_names",
]

register_decoder(shoestreet.NAME, shoestreet.decode)
register_decoder(fau_insole.NAME, fau_insole.decode)
