"""STEP (ISO 10303-21) export of a closed triangle mesh through OpenCASCADE (optional).

Two encodings of the same closed triangulated shell in one solid, millimetres:

* ``tessellated`` (default): AP242 ``TESSELLATED_SOLID`` / ``TRIANGULATED_FACE`` (the mesh's
  vertices and triangles as lists; about 2 MB and 2 s for a last of 24k triangles);
* ``brep``: AP214 faceted B-rep: one OpenCASCADE vertex per mesh vertex, one edge per mesh
  edge (shared by its two triangles, so the shell is closed without sewing), one planar face
  per triangle. Read by every STEP importer, but about 40 entities per triangle (a last of 24k
  triangles: ~57 MB, about a minute on this machine).

The bytes depend only on the mesh, the name and the encoding. OpenCASCADE keeps its writer
settings process-wide (``Interface_Static``: whatever another write or a library set before
stays), initialises them to its defaults when the first writer is made, numbers products with
a process-wide counter (``name 1``, ``name 2`` ...) and stamps the header with the time; so
each write sets every setting it depends on (:data:`WRITE_SETTINGS`), names the product
exactly ``name``, writes :data:`TIME_STAMP` in the header, and holds a lock while it does.

Needs the optional ``step`` extra (the ``cadquery-ocp-novtk`` wheel, which provides the
``OCP`` binding); without it :func:`step_bytes` raises
:class:`~footscan.lasts.exceptions.StepUnavailableError`.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import tempfile
import threading
from typing import Any

import numpy as np
from numpy.typing import NDArray

from footscan.lasts.exceptions import LastError, StepUnavailableError

__all__ = ["DEFAULT_NAME", "TIME_STAMP", "WRITE_SETTINGS", "step_available", "step_bytes"]

#: Every ``Interface_Static`` setting the STEP writer reads, as each write sets it (the schema
#: per encoding is added by :func:`step_bytes`); OpenCASCADE 7.7-8.0 names.
WRITE_SETTINGS: dict[str, str] = {
    "xstep.cascade.unit": "MM",
    "write.step.unit": "MM",
    "write.precision.mode": "Average",
    "write.precision.val": "1.e-03",
    "write.step.assembly": "Auto",
    "write.step.nonmanifold": "Off",
    "write.step.vertex.mode": "Compound",
    "write.surfacecurve.mode": "On",
    "write.step.sequence": "ToSTEP",
    "write.step.resource.name": "STEP",
    "write.step.tessellated": "OnNoBRep",
}
_SCHEMA = {"tessellated": "AP242DIS", "brep": "AP214IS"}
#: The header's time stamp (ISO 8601): fixed, so the bytes do not depend on when they were made.
TIME_STAMP = "1970-01-01T00:00:00"
#: Product name when none is given.
DEFAULT_NAME = "Shoe Street"
#: One write at a time: the settings are process-wide (job threads write STEP files too).
_LOCK = threading.Lock()


def step_available() -> bool:
    """Whether the OpenCASCADE binding (``OCP``) is installed."""
    return importlib.util.find_spec("OCP") is not None


_OCP_NAMES = {
    "BRep": ("BRep_Builder",),
    "BRepBuilderAPI": ("BRepBuilderAPI_MakeEdge", "BRepBuilderAPI_MakeVertex"),
    "Geom": ("Geom_Plane",),
    "gp": ("gp_Dir", "gp_Pnt"),
    "APIHeaderSection": ("APIHeaderSection_MakeHeader",),
    "IFSelect": ("IFSelect_RetDone",),
    "Interface": ("Interface_Static",),
    "Poly": ("Poly_Triangle", "Poly_Triangulation"),
    "STEPControl": ("STEPControl_AsIs", "STEPControl_Controller", "STEPControl_Writer"),
    "StepBasic": ("StepBasic_Product",),
    "TCollection": ("TCollection_HAsciiString",),
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
        Product name written into the file (exactly; :data:`DEFAULT_NAME` when empty).
    encoding : {"tessellated", "brep"}
        AP242 tessellated solid (compact) or AP214 faceted B-rep (see the module docstring).

    Returns
    -------
    bytes
        The same bytes for the same arguments, whatever was written before in the process.

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
    solid = _solid(o, v, fa) if encoding == "brep" else _tessellated(o, v, fa)
    with _LOCK:
        writer = _configured_writer(o, encoding, name or DEFAULT_NAME)
        writer.Transfer(solid, o["STEPControl_AsIs"])
        _fix_names_and_stamp(o, writer, name or DEFAULT_NAME)
        return _write(o, writer)


def _configured_writer(o: dict[str, Any], encoding: str, name: str) -> Any:
    """A writer after every setting it reads is set (the controller first: making it the
    first time resets the settings to OpenCASCADE's defaults)."""
    o["STEPControl_Controller"].Init_s()
    static = o["Interface_Static"]
    wanted = {**WRITE_SETTINGS, "write.step.schema": _SCHEMA[encoding]}
    wanted["write.step.product.name"] = name
    for key, value in wanted.items():
        if not static.SetCVal_s(key, value):
            raise LastError(f"this OpenCASCADE does not take the STEP setting {key}={value!r}")
    return o["STEPControl_Writer"]()


def _fix_names_and_stamp(o: dict[str, Any], writer: Any, name: str) -> None:
    """Name the product exactly ``name`` (not ``name N`` from the process-wide counter) and
    stamp the header with :data:`TIME_STAMP`."""
    text = o["TCollection_HAsciiString"]
    model = writer.Model()
    for i in range(1, model.NbEntities() + 1):
        entity = model.Value(i)
        if isinstance(entity, o["StepBasic_Product"]):
            entity.SetName(text(name))
            entity.SetId(text(name))
    o["APIHeaderSection_MakeHeader"](model).SetTimeStamp(text(TIME_STAMP))


def _write(o: dict[str, Any], writer: Any) -> bytes:
    fd, path = tempfile.mkstemp(suffix=".step")
    os.close(fd)
    try:
        if writer.Write(path) != o["IFSelect_RetDone"]:
            raise LastError("the STEP writer failed")
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
