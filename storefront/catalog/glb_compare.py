"""Are two GLB files the same model, up to the last bits of their floats?

The catalog's GLBs are rebuilt from a seed and compared with the committed ones. numpy picks
its SIMD kernels for the CPU it runs on (AVX-512 on one machine, AVX2 on another), and their
sines and cosines can differ in the last bit: the same build then writes ``-0.0`` for ``0.0``
or ``7.9e-31`` for ``0`` in a few vertices (seen: 8 of 47 files on an AMD EPYC against files
built on an Intel Xeon, no other difference). So the JSON chunk is compared with its numbers
to within :data:`ATOL`, float accessors element by element to within :data:`ATOL`, and
everything else (indices, integers, any other byte) exactly.
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

__all__ = ["ATOL", "same_glb"]

#: Largest difference accepted in a float (metres for positions, unit for normals): far
#: below float32's own resolution at a shoe's size (~3e-8 m at 0.3 m).
ATOL = 1e-6

_FLOAT = 5126
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT4": 16}


def _chunks(data: bytes) -> tuple[dict[str, Any], bytes] | None:
    if len(data) < 20 or data[:4] != b"glTF":
        return None
    n_json = struct.unpack_from("<I", data, 12)[0]
    doc = json.loads(data[20 : 20 + n_json])
    off = 20 + n_json
    if len(data) < off + 8:
        return doc, b""
    n_bin = struct.unpack_from("<I", data, off)[0]
    return doc, data[off + 8 : off + 8 + n_bin]


def _same_json(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, int | float) and isinstance(b, int | float) and abs(a - b) <= ATOL
    return bool(a == b)


def _float_spans(doc: dict[str, Any]) -> list[tuple[int, int]]:
    """Byte ranges ``[start, end)`` of the binary chunk that hold float accessors."""
    spans = []
    views = doc.get("bufferViews", [])
    for acc in doc.get("accessors", []):
        if acc.get("componentType") != _FLOAT or "bufferView" not in acc:
            continue
        view = views[acc["bufferView"]]
        if view.get("byteStride"):
            return []  # interleaved data: compared byte for byte
        start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
        spans.append((start, start + 4 * _WIDTH[acc["type"]] * acc["count"]))
    return spans


def same_glb(a: bytes, b: bytes) -> bool:
    """True when ``a`` and ``b`` are byte-identical or differ only in floats by <= ATOL."""
    if a == b:
        return True
    ca, cb = _chunks(a), _chunks(b)
    if ca is None or cb is None:
        return False
    (ja, ba), (jb, bb) = ca, cb
    if not _same_json(ja, jb) or len(ba) != len(bb):
        return False
    exact = np.ones(len(ba), dtype=bool)
    for start, end in _float_spans(ja):
        fa = np.frombuffer(ba[start:end], dtype="<f4")
        fb = np.frombuffer(bb[start:end], dtype="<f4")
        if fa.shape != fb.shape or not np.allclose(fa, fb, rtol=0.0, atol=ATOL):
            return False
        exact[start:end] = False
    va, vb = np.frombuffer(ba, np.uint8), np.frombuffer(bb, np.uint8)
    return bool(np.array_equal(va[exact], vb[exact]))
