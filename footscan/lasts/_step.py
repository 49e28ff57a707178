"""STEP (ISO 10303-21) export of a closed triangle mesh through OpenCASCADE (optional).

Two encodings of the same closed triangulated shell in one solid, millimetres:

* ``tessellated`` (default): AP242 ``TESSELLATED_SOLID`` / ``TRIANGULATED_FACE`` (the mesh's
  vertices and triangles as lists; about 2 MB and 2 s for a last of 24k triangles);
* ``brep``: AP214 faceted B-rep: one OpenCASCADE vertex per mesh vertex, one edge per mesh
  edge (shared by its two triangles, so the shell is closed without sewing), one planar face
  per triangle. Read by every STEP importer, but about 40 entities per triangle (a last of 24k
  triangles: ~57 MB, about a minute on this machine).
 Needs the optional ``step`` extra (the ``cadquery-ocp-novtk`` wheel, which
provides the ``OCP`` binding); without it :func:`step_bytes` raises
:class:`~footscan.lasts.exceptions.StepUnavailableError`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import tempfile
from typing import Any

import numpy as np
from numpy.typing import NDArray

from footscan.lasts.exceptions import LastError, StepUnavailableError

__all__ = ["step_available", "step_bytes"]


def step_available() -> bool:
    """Whether the OpenCASCADE binding (``OCP``) is installed."""
    return importlib.util.find_spec("OCP") is not None


_OCP_NAMES = {
    "BRep": ("BRep_Builder",),
    "BRepBuilderAPI": ("BRepBuilderAPI_MakeEdge", "BRepBuilderAPI_MakeVertex"),
    "Geom": ("Geom_Plane",),
    "gp": ("gp_Dir", "gp_Pnt"),
    "IFSelect": ("IFSelect_RetDone",),
    "Interface": ("Interface_Static",),
    "Poly": ("Poly_Triangle", "Poly_Triangulation"),
    "STEPControl": ("STEPControl_AsIs", "STEPControl_Writer"),
    "TopoDS": ("TopoDS_Face", "TopoDS_Shell", "TopoDS_Solid", "TopoDS_Wire"),
}


def _ocp() -> dict[str, Any]:
    try:
        return {
            name: getattr(importlib.import_module(f"OCP.{mod}"), name)
            for mod, names in _OCP_NAMES.items()
            for name in names
        }
    except ImportError as exc:
        raise StepUnavailableError(
            "STEP export needs the optional OpenCASCADE binding: install the 'step' extra "
            "(pip install 'shoestreet[step]')"
        ) from exc


def _solid(o: dict[str, Any], v: NDArray[np.float64], faces: NDArray[np.int64]) -> Any:
    """The B-rep solid of a closed, outward-wound triangle mesh."""
    pnt, b = o["gp_Pnt"], o["BRep_Builder"]()
    verts = [o["BRepBuilderAPI_MakeVertex"](pnt(*map(float, p))).Vertex() for p in v]
    e = np.vstack([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    key = np.sort(e, axis=1)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    edges = [o["BRepBuilderAPI_MakeEdge"](verts[a], verts[c]).Edge() for a, c in uniq]
    n_f = faces.shape[0]
    inv = inv.ravel().reshape(3, n_f).T
    fwd = (e[:, 0] == key[:, 0]).reshape(3, n_f).T
    tri = v[faces]
    nrm = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    nrm /= np.maximum(np.linalg.norm(nrm, axis=1, keepdims=True), 1e-300)
    shell = o["TopoDS_Shell"]()
    b.MakeShell(shell)
    for i in range(n_f):
        w = o["TopoDS_Wire"]()
        b.MakeWire(w)
        for k in range(3):
            ed = edges[inv[i, k]]
            b.Add(w, ed if fwd[i, k] else ed.Reversed())
        w.Closed(True)
        face = o["TopoDS_Face"]()
        plane = o["Geom_Plane"](pnt(*map(float, tri[i, 0])), o["gp_Dir"](*map(float, nrm[i])))
        b.MakeFace(face, plane, 1e-6)
        b.Add(face, w)
        b.Add(shell, face)
    shell.Closed(True)
    solid = o["TopoDS_Solid"]()
    b.MakeSolid(solid)
    b.Add(solid, shell)
    return solid


def _tessellated(o: dict[str, Any], v: NDArray[np.float64], faces: NDArray[np.int64]) -> Any:
    """A solid whose one face carries the mesh as its triangulation (no surface)."""
    tri = o["Poly_Triangulation"](v.shape[0], faces.shape[0], False)
    pnt, ptri = o["gp_Pnt"], o["Poly_Triangle"]
    for i, p in enumerate(v.tolist()):
        tri.SetNode(i + 1, pnt(*p))
    for i, (a, b, c) in enumerate((faces + 1).tolist()):
        tri.SetTriangle(i + 1, ptri(a, b, c))
    bld = o["BRep_Builder"]()
    face = o["TopoDS_Face"]()
    bld.MakeFace(face, tri)
    shell = o["TopoDS_Shell"]()
    bld.MakeShell(shell)
    bld.Add(shell, face)
    shell.Closed(True)
    solid = o["TopoDS_Solid"]()
    bld.MakeSolid(solid)
    bld.Add(solid, shell)
    return solid


def step_bytes(
    vertices_mm: NDArray[np.float64],
    faces: NDArray[np.int64],
    name: str = "",
    encoding: str = "tessellated",
) -> bytes:
    """A STEP file (mm) of a closed, outward-wound triangle mesh as one solid.

    Parameters
    ----------
    vertices_mm : (n, 3) float64
    faces : (m, 3) int64
    name : str
        Product name written into the file.
    encoding : {"tessellated", "brep"}
        AP242 tessellated solid (compact) or AP214 faceted B-rep (see the module docstring).

    Returns
    -------
    bytes

    Raises
    ------
    StepUnavailableError
        The OpenCASCADE binding is not installed.
    LastError
        Degenerate triangles, or the writer failed.
    """
    if encoding not in ("tessellated", "brep"):
        raise LastError(f"STEP encoding must be 'tessellated' or 'brep', got {encoding!r}")
    o = _ocp()
    v = np.asarray(vertices_mm, dtype=np.float64)
    fa = np.asarray(faces, dtype=np.int64)
    tri = v[fa]
    area2 = np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    if fa.ndim != 2 or fa.shape[1] != 3 or (area2 <= 1e-12).any():
        raise LastError("STEP export needs a mesh of non-degenerate triangles")
    static = o["Interface_Static"]
    static.SetCVal_s("write.step.unit", "MM")
    if encoding == "brep":
        solid = _solid(o, v, fa)
        static.SetCVal_s("write.step.schema", "AP214IS")
    else:
        solid = _tessellated(o, v, fa)
        static.SetCVal_s("write.step.schema", "AP242DIS")
        static.SetCVal_s("write.step.tessellated", "OnNoBRep")
    if name:
        static.SetCVal_s("write.step.product.name", name)
    writer = o["STEPControl_Writer"]()
    writer.Transfer(solid, o["STEPControl_AsIs"])
    fd, path = tempfile.mkstemp(suffix=".step")
    os.close(fd)
    try:
        if writer.Write(path) != o["IFSelect_RetDone"]:
            raise LastError("the STEP writer failed")
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
