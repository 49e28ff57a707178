"""glTF 2.0 readers (``.glb`` binary, ``.gltf`` JSON), including Draco-compressed meshes.

The JSON is parsed and checked by us first: accessor counts against the decoder budgets
(:mod:`footscan._io_common`), Draco buffers against their own cap, and everything a foot scan does
not need (materials, textures, images, UVs, normals) is dropped, so no texture is ever decoded.
The trimmed file is then read by trimesh, which applies the node transforms and decodes
``KHR_draco_mesh_compression`` primitives with ``DracoPy`` (extra ``draco``). Without DracoPy a
Draco file is refused with one line naming the fix.
"""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path
from typing import Any

import numpy as np

from footscan._io_common import MAX_FACES, MAX_POINTS, Raw, check_count, short_error
from footscan.exceptions import MissingExtraError, ScanReadError

__all__ = ["DRACO_EXTENSION", "MAX_DRACO_BYTES", "read_glb", "read_gltf_bytes", "read_gltf_path"]

#: The glTF extension name of Draco mesh compression.
DRACO_EXTENSION = "KHR_draco_mesh_compression"
#: Largest total size of Draco-compressed buffers (bytes). Draco stores ~1-3 bytes per
#: triangle, so 16 MiB is far beyond a 1 M-triangle scan yet bounds what the decoder can make.
MAX_DRACO_BYTES = 16 << 20
#: Largest glTF JSON chunk (bytes).
MAX_JSON_BYTES = 64 << 20

_JSON_CHUNK = 0x4E4F534A
_BIN_CHUNK = 0x004E4942
# glTF primitive modes: 0 points, 4 triangles, 5 strip, 6 fan (1-3 lines are skipped by trimesh).
_TRIANGLE_MODES = (4, 5, 6)
_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
_COMPONENT_BYTES = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
# Keys of the glTF document that carry appearance only.
_APPEARANCE_KEYS = ("materials", "textures", "images", "samplers")


def draco_refusal() -> MissingExtraError:
    """The one-line error for a Draco file when DracoPy is not installed."""
    err = MissingExtraError("draco", "DracoPy")
    err.msg = "Draco-compressed GLB: install shoestreet[draco] or export without Draco"
    err.args = (err.msg,)
    return err


def read_glb(data: bytes) -> Raw:
    """Read a binary glTF (``.glb``).

    Parameters
    ----------
    data : bytes
        The whole file.

    Returns
    -------
    Raw
        Vertices of all mesh and point primitives of the default scene with their node
        transforms applied, rotated from glTF +Y up to +Z up: (x, y, z) -> (x, -z, y). The unit
        is left to the caller (glTF says metres, but exporters do not all obey).

    Raises
    ------
    ScanReadError
        Bad magic or length, malformed chunks or JSON, accessor counts over the budgets,
        Draco buffers over :data:`MAX_DRACO_BYTES`, no geometry.
    MissingExtraError
        Draco-compressed and DracoPy is not installed.
    """
    if not data.startswith(b"glTF"):
        raise ScanReadError("not a GLB file (missing 'glTF' magic)")
    declared = int.from_bytes(data[8:12], "little") if len(data) >= 12 else -1
    if declared != len(data):
        raise ScanReadError(
            f"GLB is truncated or corrupt: header says {declared} bytes, the file has {len(data)}"
        )
    doc, bin_chunk = _glb_chunks(data)
    draco = _check_document(doc, len(bin_chunk) if bin_chunk is not None else 0)
    return _read_trimesh(io.BytesIO(_glb_bytes(doc, bin_chunk)), "glb", draco)


def read_gltf_bytes(data: bytes) -> Raw:
    """Read a JSON glTF from memory (buffers must be embedded as data URIs).

    Parameters
    ----------
    data : bytes
        The ``.gltf`` file.

    Returns
    -------
    Raw
        As :func:`read_glb`.
    """
    doc = _parse_json(data)
    draco = _check_document(doc, None)
    return _read_trimesh(io.BytesIO(json.dumps(doc).encode("utf-8")), "gltf", draco)


def read_gltf_path(path: Path) -> Raw:
    """Read a ``.gltf`` file whose buffers may be separate files beside it.

    Parameters
    ----------
    path : Path
        The ``.gltf`` file; ``.bin`` buffers are resolved relative to it by trimesh.

    Returns
    -------
    Raw
        As :func:`read_glb`.
    """
    draco = _check_document(_parse_json(path.read_bytes()), None)
    return _read_trimesh(path, "gltf", draco)


# --------------------------------------------------------------------------- checks


def _parse_json(data: bytes) -> dict[str, Any]:
    if len(data) > MAX_JSON_BYTES:
        raise ScanReadError(f"glTF JSON of {len(data) >> 20} MiB is over the limit")
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ScanReadError(f"glTF JSON is not valid ({short_error(exc)})") from None
    if not isinstance(doc, dict):
        raise ScanReadError("glTF JSON is not an object")
    return doc


def _glb_chunks(data: bytes) -> tuple[dict[str, Any], bytes | None]:
    pos = 12
    doc: dict[str, Any] | None = None
    bin_chunk: bytes | None = None
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from("<II", data, pos)
        start, end = pos + 8, pos + 8 + length
        if end > len(data):
            raise ScanReadError("GLB is truncated: a chunk runs past the end of the file")
        if kind == _JSON_CHUNK and doc is None:
            doc = _parse_json(data[start:end])
        elif kind == _BIN_CHUNK and bin_chunk is None:
            bin_chunk = data[start:end]
        pos = end + (-end % 4)
    if doc is None:
        raise ScanReadError("GLB has no JSON chunk")
    return doc, bin_chunk


def _as_list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise ScanReadError(f"glTF '{key}' is not a list")
    return value


def _accessor(accessors: list[Any], index: object, what: str) -> dict[str, Any]:
    if not isinstance(index, int) or not 0 <= index < len(accessors):
        raise ScanReadError(f"glTF {what} refers to a missing accessor {index!r}")
    acc = accessors[index]
    if not isinstance(acc, dict) or not isinstance(acc.get("count"), int):
        raise ScanReadError(f"glTF accessor {index} has no integer count")
    return acc


def _check_document(doc: dict[str, Any], bin_length: int | None) -> bool:
    """Budgets before any decoding: counts, buffer sizes, Draco. Also drops appearance data.

    Parameters
    ----------
    doc : dict
        The glTF JSON; modified in place (materials, textures, images, samplers and every
        vertex attribute except POSITION removed).
    bin_length : int or None
        Size of the GLB binary chunk, when reading a GLB.

    Returns
    -------
    bool
        True when a primitive is Draco-compressed.
    """
    accessors = _as_list(doc, "accessors")
    views = _as_list(doc, "bufferViews")
    n_points, n_faces, draco_bytes, uses_draco = _count_primitives(doc, accessors, views)
    check_count(n_points, "vertices (glTF accessors)", MAX_POINTS)
    check_count(n_faces, "triangles (glTF accessors)", MAX_FACES)
    _check_accessors(accessors, views)
    if bin_length is not None:
        for i, view in enumerate(views):
            end = int(view.get("byteOffset", 0)) + int(view.get("byteLength", 0))
            if view.get("buffer", 0) == 0 and end > bin_length:
                raise ScanReadError(
                    f"GLB bufferView {i} ends at byte {end}, the binary chunk has {bin_length}"
                )
    for key in _APPEARANCE_KEYS:
        doc.pop(key, None)
    if uses_draco:
        if draco_bytes > MAX_DRACO_BYTES:
            raise ScanReadError(
                f"Draco-compressed buffers of {draco_bytes >> 20} MiB are over the "
                f"{MAX_DRACO_BYTES >> 20} MiB limit"
            )
        try:
            import DracoPy  # noqa: F401
        except ImportError:
            raise draco_refusal() from None
    return uses_draco


def _count_primitives(
    doc: dict[str, Any], accessors: list[Any], views: list[Any]
) -> tuple[int, int, int, bool]:
    """Vertices, triangles and Draco bytes of all primitives (attributes other than POSITION
    and materials are dropped on the way), and whether any is Draco-compressed."""
    n_points = n_faces = draco_bytes = 0
    uses_draco = False
    for mesh in _as_list(doc, "meshes"):
        prims = mesh.get("primitives", []) if isinstance(mesh, dict) else []
        for prim in prims if isinstance(prims, list) else []:
            if not isinstance(prim, dict) or not isinstance(prim.get("attributes"), dict):
                raise ScanReadError("glTF mesh primitive without attributes")
            attrs = prim["attributes"]
            if "POSITION" not in attrs:
                continue
            prim["attributes"] = {"POSITION": attrs["POSITION"]}
            prim.pop("material", None)
            pos = _accessor(accessors, attrs["POSITION"], "POSITION")
            n_points += pos["count"]
            mode = prim.get("mode", 4)
            if mode in _TRIANGLE_MODES:
                if "indices" in prim:
                    n_idx = _accessor(accessors, prim["indices"], "indices")["count"]
                else:
                    n_idx = pos["count"]
                n_faces += n_idx // 3 if mode == 4 else max(n_idx - 2, 0)
            ext = (prim.get("extensions") or {}).get(DRACO_EXTENSION)
            if ext is not None:
                uses_draco = True
                view = ext.get("bufferView") if isinstance(ext, dict) else None
                if not isinstance(view, int) or not 0 <= view < len(views):
                    raise ScanReadError("Draco primitive refers to a missing bufferView")
                draco_bytes += int(views[view].get("byteLength", 0))
    return n_points, n_faces, draco_bytes, uses_draco


def _check_accessors(accessors: list[Any], views: list[Any]) -> None:
    """Every accessor fits in its bufferView (before any decoder reads it)."""
    for i, acc in enumerate(accessors):
        if not isinstance(acc, dict):
            raise ScanReadError(f"glTF accessor {i} is not an object")
        view_i = acc.get("bufferView")
        if view_i is None:
            continue
        if not isinstance(view_i, int) or not 0 <= view_i < len(views):
            raise ScanReadError(f"glTF accessor {i} refers to a missing bufferView")
        width = _COMPONENTS.get(str(acc.get("type")), 0) * _COMPONENT_BYTES.get(
            int(acc.get("componentType") or 0), 0
        )
        count = acc.get("count")
        view = views[view_i]
        need = int(acc.get("byteOffset", 0)) + (count if isinstance(count, int) else 0) * width
        if not isinstance(count, int) or count < 0 or need > int(view.get("byteLength", 0)):
            raise ScanReadError(
                f"glTF accessor {i} needs {need} bytes, its bufferView holds "
                f"{view.get('byteLength')} (truncated or corrupt)"
            )


def _glb_bytes(doc: dict[str, Any], bin_chunk: bytes | None) -> bytes:
    """Serialise a (trimmed) document and its binary chunk back into a GLB."""
    text = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 4)
    chunks = [struct.pack("<II", len(text), _JSON_CHUNK), text]
    if bin_chunk is not None:
        pad = b"\0" * (-len(bin_chunk) % 4)
        chunks += [struct.pack("<II", len(bin_chunk) + len(pad), _BIN_CHUNK), bin_chunk, pad]
    body = b"".join(chunks)
    return b"glTF" + struct.pack("<II", 2, 12 + len(body)) + body


def _read_trimesh(source: Any, file_type: str, draco: bool = False) -> Raw:
    import trimesh

    try:
        scene = trimesh.load(source, file_type=file_type, force="scene", process=False)
        geoms = scene.dump(concatenate=False) if hasattr(scene, "dump") else [scene]
    except MemoryError:
        raise
    except Exception as exc:  # trimesh raises many unrelated types on corrupt input
        raise ScanReadError(f"cannot read {file_type} ({short_error(exc)})") from None
    pts_list, face_list, offset = [], [], 0
    for g in geoms:
        verts = np.asarray(getattr(g, "vertices", np.zeros((0, 3))), dtype=np.float64)
        if verts.ndim != 2 or verts.shape[0] == 0:
            continue
        pts_list.append(verts)
        f = getattr(g, "faces", None)
        if f is not None and len(f):
            face_list.append(np.asarray(f, dtype=np.int64) + offset)
        offset += verts.shape[0]
        # Draco counts are only known after decoding: check them here as well.
        check_count(offset, "vertices (decoded)", MAX_POINTS)
    if not pts_list:
        raise ScanReadError(f"{file_type} file contains no geometry")
    pts = np.vstack(pts_list)
    if draco and not np.any(pts):
        # trimesh logs a failed Draco decode and leaves placeholder zeros.
        raise ScanReadError("the Draco-compressed mesh could not be decoded (corrupt data)")
    # glTF is +Y up; footscan is +Z up: rotate -90 deg about X, (x, y, z) -> (x, -z, y).
    pts = np.column_stack([pts[:, 0], -pts[:, 2], pts[:, 1]])
    faces = np.vstack(face_list) if face_list else None
    if faces is not None:
        check_count(faces.shape[0], "triangles (decoded)", MAX_FACES)
    return Raw(pts, faces)
