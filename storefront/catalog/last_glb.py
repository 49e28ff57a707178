"""The try-on last of one size and a shoe GLB built for one size, for the browser.

Same frame as :mod:`storefront.catalog.glb` (+Y up, heel back at the origin, toe along +Z). The
catalogue's stored GLBs are built at each model's reference size; the try-on view asks for the
shoe at the shopper's size (:func:`shoe_glb_for_size`), built from that size's own last
dimensions rather than a reference mesh stretched in the browser.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict

import numpy as np
import trimesh

from storefront.catalog.glb import (
    _N_RING,
    _N_T,
    ShoeShape,
    _loft,
    _rgba,
    _t_stations,
    _upper_rings,
    shoe_glb_bytes,
    shoe_shape,
    shoe_style,
)
from storefront.catalog.models import LastSize, ShoeModel

__all__ = ["last_glb_bytes", "last_mesh", "shoe_glb_for_size"]


def last_mesh(
    model: ShoeModel, size: LastSize | float, width: str | None = None
) -> trimesh.Trimesh:
    """The last of one size of a model for the try-on view, mm.

    Same frame as the GLB (+Y up, heel back at the origin, toe along +Z) but with a flat bottom on
    the ground (no heel pitch), so it overlays a weight-bearing foot scan. Its cross-section at
    ``BALL_T`` of the length has the last's ball girth as perimeter, and its widest plan-view
    width is the ball width.

    Parameters
    ----------
    model : ShoeModel
    size : LastSize or float
        The size row, or an EU size (then ``width`` picks the fitting).
    """
    last = size if isinstance(size, LastSize) else model.size(float(size), width)
    shape = ShoeShape(
        last_length_mm=last.last_length_mm,
        ball_width_mm=last.ball_width_mm,
        heel_width_mm=last.heel_width_mm,
        ball_girth_mm=last.ball_girth_mm,
        drop_mm=0.0,
        forefoot_sole_mm=0.0,
        toe_spring_mm=0.0,
        toe_box=model.traits.toe_box,
    )
    t = _t_stations(_N_T)
    mesh = _loft(_upper_rings(shape, t, np.zeros_like(t), 0.0, None, _N_RING * 2))
    mesh.merge_vertices()
    return mesh


def last_glb_bytes(
    model: ShoeModel, size: LastSize | float, width: str | None = None, colour: str = "#c8a878"
) -> bytes:
    """:func:`last_mesh` as binary glTF for the browser: metres, one node ``"last"`` with a PBR
    material (``metallicFactor = 0``, wood-like colour), same frame as the shoe GLBs."""
    mesh = last_mesh(model, size, width)
    mesh.apply_scale(0.001)
    mesh.visual = trimesh.visual.TextureVisuals(
        material=trimesh.visual.material.PBRMaterial(
            name="last", baseColorFactor=_rgba(colour), metallicFactor=0.0, roughnessFactor=0.7
        )
    )
    scene = trimesh.Scene()
    scene.add_geometry(mesh, node_name="last", geom_name="last")
    buf = io.BytesIO()
    scene.export(buf, file_type="glb", include_normals=True)
    return buf.getvalue()


#: Built GLBs by (model id, EU size, width, colourway id); the oldest go first beyond the cap.
_CACHE: OrderedDict[tuple[str, float, str, str], bytes] = OrderedDict()
_CACHE_MAX = 256
_LOCK = threading.Lock()


def _shoe_glb_cached(model: ShoeModel, last: LastSize, colourway_id: str) -> bytes:
    key = (model.id, float(last.eu), last.width, colourway_id)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    cw = next((c for c in model.colourways if c.id == colourway_id), model.colourways[0])
    colours = {"upper": cw.upper_hex, "sole": cw.sole_hex, "accent": cw.accent_hex}
    style = shoe_style(model.category, model.name)
    data = shoe_glb_bytes(shoe_shape(last, model.traits), colours, model.traits.upper, style)
    with _LOCK:
        _CACHE[key] = data
        while len(_CACHE) > _CACHE_MAX:
            _CACHE.popitem(last=False)
    return data


def shoe_glb_for_size(
    model: ShoeModel, size: LastSize | float, width: str | None = None, colourway_id: str = ""
) -> bytes:
    """The model's shoe as binary glTF built at one size (metres, the shoe GLBs' frame).

    Parameters
    ----------
    model : ShoeModel
    size : LastSize or float
        The size row, or an EU size (then ``width`` picks the fitting).
    width : str, optional
        Width fitting for an EU size (default: the model's first at that size).
    colourway_id : str
        Colourway to paint (default: the first).

    Returns
    -------
    bytes
        GLB whose upper, sole and accent are built from this size's last length, ball and heel
        widths and ball girth (cached per model, size, width and colourway).
    """
    last = size if isinstance(size, LastSize) else model.size(float(size), width)
    return _shoe_glb_cached(model, last, colourway_id)
