"""same_glb: a rebuilt GLB equals the committed one up to float32 last bits, and nothing else."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from storefront.catalog import load_catalog
from storefront.catalog.build import default_assets_dir
from storefront.catalog.glb_compare import same_glb


@pytest.fixture(scope="module")
def glb() -> bytes:
    return (default_assets_dir() / load_catalog().models[0].glb).read_bytes()


def _layout(data: bytes) -> tuple[dict, int]:
    """The JSON chunk and the offset of the binary chunk's first byte."""
    n_json = struct.unpack_from("<I", data, 12)[0]
    return json.loads(data[20 : 20 + n_json]), 20 + n_json + 8


def _accessor_offset(doc: dict, bin0: int, component_type: int) -> int:
    acc = next(a for a in doc["accessors"] if a["componentType"] == component_type)
    view = doc["bufferViews"][acc["bufferView"]]
    return bin0 + view.get("byteOffset", 0) + acc.get("byteOffset", 0)


def _with_float(data: bytes, at: int, value: float) -> bytes:
    return data[:at] + struct.pack("<f", value) + data[at + 4 :]


def test_signed_zeros_and_float_noise_are_the_same_model(glb: bytes) -> None:
    doc, bin0 = _layout(glb)
    vals = np.frombuffer(glb[bin0:], dtype="<f4", count=(len(glb) - bin0) // 4)
    at = _accessor_offset(doc, bin0, 5126)
    zero = at + 4 * int(np.flatnonzero(vals[(at - bin0) // 4 :] == 0.0)[0])
    assert same_glb(glb, _with_float(glb, zero, -0.0))
    assert same_glb(glb, _with_float(glb, zero, 7.9e-31))
    assert same_glb(glb, glb)


def test_a_moved_vertex_a_changed_index_or_material_is_not(glb: bytes) -> None:
    doc, bin0 = _layout(glb)
    at = _accessor_offset(doc, bin0, 5126)
    (x,) = struct.unpack_from("<f", glb, at)
    assert not same_glb(glb, _with_float(glb, at, x + 0.001))  # 1 mm
    idx = _accessor_offset(doc, bin0, 5125)
    (i,) = struct.unpack_from("<I", glb, idx)
    assert not same_glb(glb, glb[:idx] + struct.pack("<I", i + 1) + glb[idx + 4 :])
    text = glb[20 : 20 + struct.unpack_from("<I", glb, 12)[0]]
    changed = text.replace(b'"name":"sole"', b'"name":"solo"', 1)
    assert changed != text
    assert not same_glb(glb, glb[:20] + changed + glb[20 + len(text) :])
    assert not same_glb(glb, b"not a glb")
