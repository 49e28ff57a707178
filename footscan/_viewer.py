"""Notebook viewer for an aligned foot and its measurement lines (pythreejs, extra ``viewer``).

The scene uses the same frame as the GLB export (metres, +Y up, heel at the origin), so what
the notebook shows is what the storefront gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from footscan._export import (
    SKIN_RGBA,
    _as_geometry,
    foot_to_gltf_frame,
    heel_origin_mm,
    reconstruct_surface,
)
from footscan.exceptions import MissingExtraError

__all__ = ["FootView", "foot_viewer"]

# Distinct, colour-blind-friendly line colours (Okabe-Ito).
_LINE_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]


@dataclass(frozen=True)
class FootView:
    """The widgets of one view, for display (``view.renderer``) or further changes.

    Attributes
    ----------
    renderer : pythreejs.Renderer
        Display this in a notebook cell.
    scene : pythreejs.Scene
    mesh : pythreejs.Mesh
        The foot surface.
    lines : dict
        Measurement name -> ``pythreejs.Line`` (polyline in metres, glTF frame).
    """

    renderer: object
    scene: object
    mesh: object
    lines: dict[str, object]


def _import_pythreejs() -> Any:
    try:
        import pythreejs
    except ImportError:
        raise MissingExtraError("viewer", "pythreejs") from None
    return pythreejs


def foot_viewer(
    foot: object,
    measurements: Mapping[str, NDArray[np.float64]] | None = None,
    *,
    faces: NDArray[np.int64] | None = None,
    width: int = 640,
    height: int = 420,
) -> FootView:
    """Build a 3-D view of an aligned foot with measurement lines.

    Parameters
    ----------
    foot : (n, 3) array, (vertices, faces), trimesh.Trimesh, PointCloud or SyntheticFoot
        Canonical-frame foot in mm; points without faces are meshed as for the GLB export.
    measurements : mapping, optional
        Name -> (k, 3) polyline in the canonical frame, mm (two points for a length, a closed
        loop for a girth). Drawn in distinct colours.
    faces : (m, 3) int64, optional
    width, height : int
        Canvas size in pixels.

    Returns
    -------
    FootView
        ``view.renderer`` is the widget to display.

    Raises
    ------
    MissingExtraError
        When pythreejs (extra ``viewer``) is not installed.
    """
    three = _import_pythreejs()
    pts, tri = _as_geometry(foot, faces)
    if tri is None:
        pts, tri = reconstruct_surface(pts)
    # Measurement lines share the foot's heel-origin shift.
    origin = heel_origin_mm(pts)
    verts_m = foot_to_gltf_frame(pts, origin)
    geometry = three.BufferGeometry(
        attributes={
            "position": three.BufferAttribute(verts_m.astype(np.float32), normalized=False),
            "index": three.BufferAttribute(tri.astype(np.uint32).ravel(), normalized=False),
        }
    )
    geometry.exec_three_obj_method("computeVertexNormals")
    r, g, b, _ = SKIN_RGBA
    material = three.MeshStandardMaterial(
        color=f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}",
        metalness=0.0,
        roughness=0.8,
    )
    mesh = three.Mesh(geometry=geometry, material=material)
    line_objs: dict[str, object] = {}
    for i, (name, poly) in enumerate((measurements or {}).items()):
        line_mm = np.asarray(poly, dtype=np.float64).reshape(-1, 3)
        pos = foot_to_gltf_frame(line_mm, origin).astype(np.float32)
        line_geo = three.BufferGeometry(
            attributes={"position": three.BufferAttribute(pos, normalized=False)}
        )
        line_mat = three.LineBasicMaterial(color=_LINE_COLOURS[i % len(_LINE_COLOURS)], linewidth=2)
        line_objs[name] = three.Line(geometry=line_geo, material=line_mat, name=name)
    centre = verts_m.mean(axis=0)
    size = float(np.ptp(verts_m, axis=0).max())
    camera = three.PerspectiveCamera(
        position=[float(centre[0] + 0.6 * size), float(0.5 * size), float(centre[2] + 0.9 * size)],
        fov=40,
        aspect=width / height,
        children=[three.DirectionalLight(color="white", intensity=0.7, position=[1, 2, 3])],
    )
    scene = three.Scene(
        children=[mesh, *line_objs.values(), camera, three.AmbientLight(intensity=0.5)],
        background="#f4f4f4",
    )
    controls = three.OrbitControls(controlling=camera, target=[float(c) for c in centre])
    camera.lookAt([float(c) for c in centre])
    renderer = three.Renderer(
        camera=camera, scene=scene, controls=[controls], width=width, height=height
    )
    return FootView(renderer=renderer, scene=scene, mesh=mesh, lines=line_objs)
