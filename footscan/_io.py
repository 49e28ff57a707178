"""Scan readers: PLY, PCD, XYZ/PTS/CSV, OBJ, STL, GLB/glTF, USD/USDZ and zip/gzip archives.

Every reader turns raw bytes into raw coordinates (plus faces, normals and colours when the
file has them); :func:`_finish` then drops non-finite rows, checks indices and converts to
millimetres in one place. Parsers are our own numpy code except for glTF (trimesh, Draco via
DracoPy; :mod:`footscan._io_gltf`) and USD (``usd-core``; :mod:`footscan._io_usd`); archives
are unwrapped in memory by :mod:`footscan._io_archive`. A corrupt, truncated or oversized file
gives a :class:`~footscan.exceptions.ScanReadError` that says what is wrong instead of a crash,
a hang or an allocation sized by a lying header (budgets in :mod:`footscan._io_common`).
"""

from __future__ import annotations

import io
import logging
import os
import re
import struct
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from footscan._cloud import PointCloud
from footscan._io_common import (
    MAX_DECODED_BYTES,
    MAX_FACES,
    MAX_FILE_BYTES,
    MAX_POINTS,
    check_count,
    fan_triangulate,
    fan_triangulate_fixed,
    short_error,
)
from footscan._io_common import Raw as _Raw
from footscan._io_gltf import read_glb, read_gltf_bytes
from footscan._io_usd import read_usd_bytes, read_usdz_bytes
from footscan._units import to_mm
from footscan.exceptions import (
    FootscanError,
    MissingExtraError,
    ScanReadError,
    ScanValidationError,
)

__all__ = [
    "MAX_DECODED_BYTES",
    "MAX_FACES",
    "MAX_FILE_BYTES",
    "MAX_POINTS",
    "SCAN_FORMATS",
    "load_scan",
    "read_scan_bytes",
    "write_scan",
]

_log = logging.getLogger("footscan")

#: File extensions understood by :func:`load_scan`, mapped to the format name.
SCAN_FORMATS: dict[str, str] = {
    ".ply": "ply",
    ".pcd": "pcd",
    ".xyz": "xyz",
    ".pts": "xyz",
    ".txt": "xyz",
    ".csv": "xyz",
    ".asc": "xyz",
    ".obj": "obj",
    ".stl": "stl",
    ".glb": "glb",
    ".gltf": "gltf",
    ".usdz": "usdz",
    ".usd": "usd",
    ".usda": "usd",
    ".usdc": "usd",
    ".zip": "zip",
    ".gz": "gz",
}
# More than this share of non-finite rows means the file is broken, not a few bad samples.
_MAX_NONFINITE_FRACTION = 0.5


# --------------------------------------------------------------------------- entry points


def load_scan(path: str | os.PathLike[str], units: str = "auto") -> PointCloud:
    """Read a foot scan file into a :class:`PointCloud` in millimetres.

    Parameters
    ----------
    path : path-like
        A ``.ply``, ``.pcd``, ``.xyz``/``.pts``/``.txt``/``.csv``/``.asc``, ``.obj``, ``.stl``,
        ``.glb``/``.gltf`` (also Draco-compressed), ``.usdz``/``.usd``/``.usda``/``.usdc``
        file, a ``.zip`` holding exactly one of them (plus materials and textures, which are
        ignored) or any of them gzipped (``.gz``). An unknown extension is sniffed from the
        content.
    units : {"auto", "m", "cm", "mm", "in"}
        Unit of the file's coordinates; ``"auto"`` takes the unit a USD file declares
        (``metersPerUnit``) or infers m / cm / mm from the extent (see
        :func:`footscan._units.detect_units`); inches are never guessed.

    Returns
    -------
    PointCloud
        ``points_mm`` (n, 3) float64, plus faces/normals/colours when present. glTF files are
        +Y up by specification and USD files +Y up unless their ``upAxis`` is Z: both are
        rotated to +Z up, (x, y, z) -> (x, -z, y).

    Raises
    ------
    ScanReadError
        Missing, empty, too large, truncated, corrupt or unrecognised file, or one over a
        decoder budget (:mod:`footscan._io_common`).
    ScanValidationError
        No usable points (e.g. all NaN); :class:`ScaleUnknownError` when the unit cannot be
        inferred (or looks like inches).
    """
    p = Path(path)
    if not p.is_file():
        raise ScanReadError(f"{p}: no such file")
    size = p.stat().st_size
    _check_size(size, p.name)
    fmt = SCAN_FORMATS.get(p.suffix.lower())
    if fmt == "gltf":
        # A .gltf may reference external .bin/.png files: let trimesh resolve them beside it.
        from footscan._io_gltf import read_gltf_path

        return _decode(lambda _: read_gltf_path(p), b"", units, "gltf", p.name)
    with p.open("rb") as fh:
        data = fh.read()
    return read_scan_bytes(data, p.name, units=units)


def read_scan_bytes(data: bytes, filename: str, units: str = "auto") -> PointCloud:
    """Read a scan from memory (an upload), picking the format from ``filename``.

    Parameters
    ----------
    data : bytes
        The file content.
    filename : str
        Original file name; only its extension is used (content is sniffed when unknown).
    units : {"auto", "m", "cm", "mm", "in"}
        As in :func:`load_scan`.

    Returns
    -------
    PointCloud
        As in :func:`load_scan`. For an archive, ``source_format`` is ``"zip:obj"``,
        ``"gz:ply"``... (the archive, then the mesh inside).
    """
    name = os.path.basename(str(filename)) or "upload"
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ScanReadError(f"{name}: expected bytes, got {type(data).__name__}")
    data = bytes(data)
    _check_size(len(data), name)
    fmt = SCAN_FORMATS.get(Path(name).suffix.lower()) or _sniff(data, name)
    if fmt in ("zip", "gz"):
        from footscan._io_archive import unwrap_archive

        try:
            inner_name, inner = unwrap_archive(data, fmt, name)
        except ScanReadError as exc:
            raise type(exc)(f"{name}: {exc}") from None
        try:
            cloud = read_scan_bytes(inner, inner_name, units=units)
        except FootscanError as exc:
            raise _prefixed(exc, name) from None
        return replace(cloud, source_format=f"{fmt}:{cloud.source_format}")
    return _decode(_READERS[fmt], data, units, fmt, name)


def _decode(
    reader: Callable[[bytes], _Raw], data: bytes, units: str, fmt: str, name: str
) -> PointCloud:
    """Run one reader; every failure becomes one FootscanError line starting with ``name``."""
    try:
        # Non-finite values are counted and handled in _finish, not warned about mid-parse.
        with np.errstate(all="ignore"):
            raw = reader(data)
    except (ScanReadError, ScanValidationError, MissingExtraError) as exc:
        raise _prefixed(exc, name) from None
    except MemoryError:
        raise ScanReadError(f"{name}: not enough memory to read this {fmt} file") from None
    except (ValueError, IndexError, TypeError, OverflowError, UnicodeDecodeError) as exc:
        raise ScanReadError(f"{name}: corrupt {fmt} file ({short_error(exc)})") from None
    with np.errstate(all="ignore"):
        return _finish(raw, units, fmt, name)


# --------------------------------------------------------------------------- shared steps


def _prefixed(exc: FootscanError, name: str) -> FootscanError:
    """The same error type with ``name: `` in front of its one-line message."""
    if isinstance(exc, MissingExtraError):
        err = MissingExtraError(exc.extra, exc.package)
        err.msg = f"{name}: {exc}"  # ImportError's str() is its msg
        err.args = (err.msg,)
        return err
    return type(exc)(f"{name}: {exc}")


def _check_size(size: int, name: str) -> None:
    if size == 0:
        raise ScanReadError(f"{name}: the file is empty")
    if size > MAX_FILE_BYTES:
        raise ScanReadError(
            f"{name}: {size / 2**20:.0f} MiB is larger than the {MAX_FILE_BYTES >> 20} MiB limit"
        )


def _sniff(data: bytes, name: str) -> str:
    head = data[:512]
    if head.startswith(b"PK\x03\x04"):
        from footscan._io_archive import zip_is_usdz

        return "usdz" if zip_is_usdz(data) else "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gz"
    if head.startswith(b"PXR-USDC") or head.startswith(b"#usda"):
        return "usd"
    if head.startswith(b"ply"):
        return "ply"
    if head.startswith(b"glTF"):
        return "glb"
    if head.lstrip().startswith(b"{") and b'"asset"' in data[:4096]:
        return "gltf"
    if b"FIELDS" in head and (head.startswith(b"#") or head.startswith(b"VERSION")):
        return "pcd"
    if head.lstrip().lower().startswith(b"solid") and b"facet" in data[:4096]:
        return "stl"
    if len(data) >= 84 and len(data) == 84 + 50 * int.from_bytes(data[80:84], "little"):
        return "stl"
    if re.search(rb"(?m)^v\s", data[:65536]) is not None:
        return "obj"
    try:
        sample = head.decode("ascii")
    except UnicodeDecodeError:
        sample = ""
    if sample and re.search(r"-?\d+(\.\d*)?([eE][-+]?\d+)?[\s,;]+-?\d", sample):
        return "xyz"
    raise ScanReadError(
        f"{name}: unrecognised scan format; expected one of {sorted(set(SCAN_FORMATS))}"
    )


def _finish(raw: _Raw, units: str, fmt: str, name: str) -> PointCloud:
    """Drop non-finite rows, check faces, convert units: the one validation boundary."""
    pts = np.asarray(raw.points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3:
        raise ScanReadError(f"{name}: expected (n, 3) coordinates, got shape {pts.shape}")
    n = pts.shape[0]
    if n == 0:
        raise ScanValidationError(f"{name}: the file contains no points")
    faces = raw.faces
    if faces is not None:
        faces = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
        if faces.size and (faces.min() < 0 or faces.max() >= n):
            raise ScanReadError(f"{name}: face indices out of range for {n} vertices")
        if faces.shape[0] == 0:
            faces = None
    finite = np.isfinite(pts).all(axis=1)
    n_bad = int(n - finite.sum())
    normals, colors = raw.normals, raw.colors
    if n_bad:
        if n_bad == n:
            raise ScanValidationError(f"{name}: all {n} points have NaN or infinite coordinates")
        if n_bad > _MAX_NONFINITE_FRACTION * n:
            raise ScanValidationError(
                f"{name}: {n_bad} of {n} points have NaN or infinite coordinates"
            )
        _log.info("%s: dropped %d of %d points with non-finite coordinates", name, n_bad, n)
        pts = pts[finite]
        normals = normals[finite] if normals is not None else None
        colors = colors[finite] if colors is not None else None
        if faces is not None:
            new_index = np.cumsum(finite) - 1
            faces = new_index[faces[finite[faces].all(axis=1)]]
            faces = faces if faces.shape[0] else None
    if normals is not None:
        normals = np.asarray(normals, dtype=np.float64)
        if not np.isfinite(normals).all():
            normals = None  # broken normals are not worth rejecting a scan for
    try:
        points_mm, unit, source = to_mm(pts, units, raw.units_hint)
    except ScanValidationError as exc:
        raise type(exc)(f"{name}: {exc}") from None
    _check_magnitude(points_mm, name)
    return PointCloud(
        points_mm=np.ascontiguousarray(points_mm, dtype=np.float64),
        faces=None if faces is None else np.ascontiguousarray(faces, dtype=np.int64),
        normals=normals,
        colors=None if colors is None else np.ascontiguousarray(colors, dtype=np.uint8),
        units_detected=unit,
        units_source=source,
        source_format=fmt,
    )


def _check_magnitude(points_mm: NDArray[np.float64], name: str) -> None:
    # Coordinates beyond ~1e12 mm lose sub-millimetre precision in float64.
    if np.abs(points_mm).max() > 1e12:
        raise ScanValidationError(
            f"{name}: coordinates up to {np.abs(points_mm).max():.3g} mm are too large "
            "to measure a foot with (wrong units or a georeferenced scan?)"
        )


def _colors_to_u8(cols: NDArray) -> NDArray[np.uint8]:
    cols = np.asarray(cols)
    if np.issubdtype(cols.dtype, np.floating):
        finite = np.nan_to_num(cols.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        # Float colours are 0-1 in most writers, 0-255 in a few.
        scale = 255.0 if finite.size and finite.max() <= 1.0 else 1.0
        cols = np.clip(np.rint(finite * scale), 0, 255)
    return np.clip(cols, 0, 255).astype(np.uint8)


def _loadtxt(
    block: bytes,
    ncols: int | None = None,
    *,
    delimiter: str | None = None,
    skiprows: int = 0,
    max_rows: int | None = None,
    **kw: object,
) -> NDArray[np.float64]:
    """Parse a whitespace/CSV numeric block; ragged or non-numeric text is a ScanReadError.

    A C-speed path (``np.fromstring``, ~6x faster than ``loadtxt``) handles clean blocks; it
    is used only when the value count matches the non-empty line count exactly, otherwise
    ``np.loadtxt`` parses (comments, ragged rows) and words the error.
    """
    if not block.strip():
        return np.zeros((0, ncols or 0), dtype=np.float64)
    if ncols:
        fast = _fast_numeric(block, ncols, delimiter, skiprows, max_rows)
        if fast is not None:
            return fast
    try:
        arr = np.loadtxt(
            io.BytesIO(block),
            dtype=np.float64,
            ndmin=2,
            delimiter=delimiter,
            skiprows=skiprows,
            max_rows=max_rows,
            **kw,  # type: ignore[arg-type]
        )
    except ValueError as exc:
        raise ScanReadError(f"unparseable numeric data ({short_error(exc)})") from None
    return arr


def _fast_numeric(
    block: bytes, ncols: int, delimiter: str | None, skiprows: int, max_rows: int | None
) -> NDArray[np.float64] | None:
    start = 0
    for _ in range(skiprows):
        nl = block.find(b"\n", start)
        if nl < 0:
            return None
        start = nl + 1
    body = block[start:] if start else block
    if delimiter:
        body = body.replace(delimiter.encode("latin-1"), b" ")
    if b"#" in body or b"//" in body:
        return None
    try:
        values = np.fromstring(body, dtype=np.float64, sep=" ")
    except ValueError:
        return None
    lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1)
    blank = body.count(b"\n\n") + body.count(b"\n\r\n") + (1 if body[:1] in (b"\n", b"\r") else 0)
    rows = lines - blank
    if values.size != rows * ncols:
        return None
    if max_rows is not None and rows > max_rows:
        return None
    return values.reshape(rows, ncols)


# --------------------------------------------------------------------------- PLY

_PLY_TYPES = {
    "char": "i1",
    "int8": "i1",
    "uchar": "u1",
    "uint8": "u1",
    "short": "i2",
    "int16": "i2",
    "ushort": "u2",
    "uint16": "u2",
    "int": "i4",
    "int32": "i4",
    "uint": "u4",
    "uint32": "u4",
    "float": "f4",
    "float32": "f4",
    "double": "f8",
    "float64": "f8",
}


@dataclass
class _PlyProp:
    name: str
    dtype: str
    count_dtype: str | None = None  # set for list properties


@dataclass
class _PlyElement:
    name: str
    count: int
    props: list[_PlyProp]


def _ply_type(token: str) -> str:
    try:
        return _PLY_TYPES[token]
    except KeyError:
        raise ScanReadError(f"PLY header has unknown property type {token!r}") from None


def _parse_ply_header(data: bytes) -> tuple[str, list[_PlyElement], int]:
    if not data.startswith(b"ply"):
        raise ScanReadError("not a PLY file (it does not start with 'ply')")
    end = data.find(b"end_header", 0, 1 << 20)
    if end < 0:
        raise ScanReadError("PLY header has no 'end_header' line (truncated or not a PLY file)")
    body_start = end + len(b"end_header")
    if data[body_start : body_start + 2] == b"\r\n":
        body_start += 2
    elif data[body_start : body_start + 1] in (b"\n", b"\r"):
        body_start += 1
    try:
        header = data[:end].decode("ascii")
    except UnicodeDecodeError:
        raise ScanReadError("PLY header is not ASCII text") from None
    fmt = ""
    elements: list[_PlyElement] = []
    for line in header.splitlines()[1:]:
        tok = line.split()
        if not tok or tok[0] in ("comment", "obj_info"):
            continue
        if tok[0] == "format" and len(tok) >= 2:
            fmt = tok[1]
        elif tok[0] == "element" and len(tok) == 3:
            try:
                count = int(tok[2])
            except ValueError:
                raise ScanReadError(f"PLY element count is not an integer: {line!r}") from None
            elements.append(_PlyElement(tok[1], count, []))
        elif tok[0] == "property" and elements:
            if tok[1] == "list" and len(tok) == 5:
                elements[-1].props.append(_PlyProp(tok[4], _ply_type(tok[3]), _ply_type(tok[2])))
            elif len(tok) == 3:
                elements[-1].props.append(_PlyProp(tok[2], _ply_type(tok[1])))
            else:
                raise ScanReadError(f"malformed PLY property line {line!r}")
        else:
            raise ScanReadError(f"unexpected PLY header line {line!r}")
    if fmt not in ("ascii", "binary_little_endian", "binary_big_endian"):
        raise ScanReadError(f"unsupported PLY format {fmt!r}")
    for el in elements:
        limit = MAX_FACES if el.name == "face" else MAX_POINTS
        check_count(el.count, f"PLY '{el.name}' elements", limit)
    if not any(el.name == "vertex" for el in elements):
        raise ScanReadError("PLY file has no 'vertex' element")
    return fmt, elements, body_start


def _read_ply(data: bytes) -> _Raw:
    fmt, elements, start = _parse_ply_header(data)
    if fmt == "ascii":
        values = _ply_ascii_body(data, start, elements)
    else:
        endian = "<" if fmt == "binary_little_endian" else ">"
        values = _ply_binary_body(data, start, elements, endian)
    vert = values["vertex"]
    if not all(k in vert for k in ("x", "y", "z")):
        raise ScanReadError("PLY vertex element lacks x, y or z")
    pts = np.column_stack([np.asarray(vert[k], dtype=np.float64) for k in ("x", "y", "z")])
    normals = None
    if all(k in vert for k in ("nx", "ny", "nz")):
        normals = np.column_stack(
            [np.asarray(vert[k], dtype=np.float64) for k in ("nx", "ny", "nz")]
        )
    colors = None
    for names in (
        ("red", "green", "blue"),
        ("r", "g", "b"),
        ("diffuse_red", "diffuse_green", "diffuse_blue"),
    ):
        if all(k in vert for k in names):
            colors = _colors_to_u8(np.column_stack([vert[k] for k in names]))
            break
    faces = None
    face = values.get("face")
    if face is not None:
        key = next((k for k in ("vertex_indices", "vertex_index") if k in face), None)
        if key is not None:
            faces = face[key]
    return _Raw(pts, faces, normals, colors)


def _ply_binary_body(
    data: bytes, offset: int, elements: list[_PlyElement], endian: str
) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for el in elements:
        if all(p.count_dtype is None for p in el.props):
            dt = np.dtype([(p.name, endian + p.dtype) for p in el.props])
            need = dt.itemsize * el.count
            if offset + need > len(data):
                raise ScanReadError(
                    f"binary PLY is truncated: element '{el.name}' needs {need} bytes, "
                    f"{max(len(data) - offset, 0)} remain"
                )
            arr = np.frombuffer(data, dtype=dt, count=el.count, offset=offset)
            out[el.name] = {p.name: arr[p.name] for p in el.props}
            offset += need
        else:
            values, offset = _ply_binary_lists(data, offset, el, endian)
            out[el.name] = values
    return out


#: Most records of a PLY list element that may be walked one by one (where list lengths change
#: every few records; ~0.5 us each). Runs of 16 or more equal records are read by numpy.
MAX_PLY_WALKED_RECORDS = 1_000_000
_PLY_SHORT_RUN = 16
_PLY_WALK_BATCH = 8192
_PLY_MAX_CHUNK = 1 << 20


class _ListParts:
    """Per-property pieces of a list element, triangulated, in record order."""

    def __init__(self, el: _PlyElement) -> None:
        self.el = el
        self.parts: dict[str, list[NDArray]] = {p.name: [] for p in el.props}
        self.orders: dict[str, list[NDArray[np.int64]]] = {}
        self.n_tri = 0

    def add(self, rows: dict[str, NDArray], order: NDArray[np.int64] | None = None) -> None:
        """Add records; ``order`` gives each record's position when groups were gathered."""
        for p in self.el.props:
            col = rows[p.name]
            reps = 1
            if p.count_dtype is not None:
                reps = max((col.shape[1] if col.ndim == 2 else 0) - 2, 0)
                col = fan_triangulate_fixed(col)
                self.n_tri += col.shape[0]
                check_count(self.n_tri, f"triangles in PLY element '{self.el.name}'", MAX_FACES)
            if order is not None:
                self.orders.setdefault(p.name, []).append(np.repeat(order, reps))
            self.parts[p.name].append(col)

    def flush_groups(self) -> None:
        """Restore the record order of what one walk batch gathered layout by layout."""
        for name, orders in self.orders.items():
            n = len(orders)
            merged = np.concatenate(self.parts[name][-n:])
            perm = np.argsort(np.concatenate(orders), kind="stable")
            del self.parts[name][-n:]
            self.parts[name].append(merged[perm])
        self.orders = {}

    def result(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for p in self.el.props:
            pieces = self.parts[p.name]
            empty = np.zeros((0, 3), np.int64) if p.count_dtype is not None else np.zeros(0)
            out[p.name] = np.concatenate(pieces) if pieces else empty
        return out


def _ply_binary_lists(
    data: bytes, offset: int, el: _PlyElement, endian: str
) -> tuple[dict[str, object], int]:
    """Elements with list properties (faces), read as runs of records of equal layout.

    The layout (list lengths) is taken from the record at the current offset; the following
    records are viewed with that layout in one numpy call and the run ends at the first record
    whose lengths differ. A mesh with one polygon size is one run, a triangle/quad mesh a few.
    Where lengths change every few records, the next records are walked one by one in Python
    (only their offsets) and gathered per layout with numpy, up to
    :data:`MAX_PLY_WALKED_RECORDS`. Polygons are fan-triangulated without a Python loop and
    records with fewer than three indices produce nothing, so empty one-byte records cost one
    byte each (issue 13: 39 M of them cost 3.2 GB and 110 s before).
    """
    lists = [p for p in el.props if p.count_dtype is not None]
    out = _ListParts(el)
    layouts: dict[tuple[int, ...], np.dtype] = {}
    done = walked = 0
    chunk = 64
    n_data = len(data)
    while done < el.count:
        key = _ply_record_layout(data, offset, el, endian)
        dt = _ply_layout_dtype(layouts, key, el, endian)
        take = min(el.count - done, chunk, (n_data - offset) // dt.itemsize)
        if take <= 0:
            raise ScanReadError(f"binary PLY is truncated in element '{el.name}'")
        arr = np.frombuffer(data, dtype=dt, count=take, offset=offset)
        same = np.ones(take, dtype=bool)
        for p, k in zip(lists, key):
            same &= arr[p.name + "__n"] == k
        run = take if same.all() else int(np.argmin(same))
        out.add({p.name: arr[p.name][:run] for p in el.props})
        done += run
        offset += run * dt.itemsize
        if run == take:
            chunk = min(chunk * 4, _PLY_MAX_CHUNK)
            continue
        chunk = 64
        if run < _PLY_SHORT_RUN:
            n_walk = min(el.count - done, _PLY_WALK_BATCH)
            walked += n_walk
            if walked > MAX_PLY_WALKED_RECORDS:
                raise ScanReadError(
                    f"PLY element '{el.name}' changes its list lengths every few records for "
                    f"more than {MAX_PLY_WALKED_RECORDS} records; triangulate before export"
                )
            offset = _ply_walk(data, offset, n_walk, el, endian, layouts, out)
            done += n_walk
    return out.result(), offset


def _ply_layout_dtype(
    layouts: dict[tuple[int, ...], np.dtype], key: tuple[int, ...], el: _PlyElement, endian: str
) -> np.dtype:
    dt = layouts.get(key)
    if dt is None:
        fields: list[tuple] = []
        it = iter(key)
        for p in el.props:
            if p.count_dtype is None:
                fields.append((p.name, endian + p.dtype))
            else:
                fields.append((p.name + "__n", endian + p.count_dtype))
                fields.append((p.name, endian + p.dtype, (next(it),)))
        dt = layouts[key] = np.dtype(fields)
    return dt


_STRUCT_CODES = {"i1": "b", "u1": "B", "i2": "h", "u2": "H", "i4": "i", "u4": "I"}


def _ply_walk(
    data: bytes,
    offset: int,
    n: int,
    el: _PlyElement,
    endian: str,
    layouts: dict[tuple[int, ...], np.dtype],
    out: _ListParts,
) -> int:
    """Walk ``n`` records one by one (offsets only), then gather each layout with numpy."""
    steps: list[tuple[str, int, int]] = []  # ("s", size, 0) scalar, ("l", count size, item size)
    for p in el.props:
        if p.count_dtype is None:
            steps.append(("s", np.dtype(p.dtype).itemsize, 0))
        else:
            code = _STRUCT_CODES.get(p.count_dtype)
            if code is None:
                raise ScanReadError(f"PLY list count type {p.count_dtype!r} is not an integer")
            steps.append(
                (endian + code, np.dtype(p.count_dtype).itemsize, np.dtype(p.dtype).itemsize)
            )
    n_data = len(data)
    groups: dict[tuple[int, ...], tuple[list[int], list[int]]] = {}
    o = offset
    for j in range(n):
        start = o
        key: list[int] = []
        for code, size, item in steps:
            if code == "s":
                o += size
                continue
            if o + size > n_data:
                raise ScanReadError(f"binary PLY is truncated in element '{el.name}'")
            k = struct.unpack_from(code, data, o)[0]
            if k < 0 or k > 1024:
                raise ScanReadError(f"PLY element '{el.name}' has a list of {k} entries")
            key.append(k)
            o += size + k * item
        if o > n_data:
            raise ScanReadError(f"binary PLY is truncated in element '{el.name}'")
        offs, idx = groups.setdefault(tuple(key), ([], []))
        offs.append(start)
        idx.append(j)
    raw = np.frombuffer(data, dtype=np.uint8)
    for key, (offs, idx) in groups.items():
        dt = _ply_layout_dtype(layouts, key, el, endian)
        at = np.asarray(offs, dtype=np.int64)[:, None] + np.arange(dt.itemsize)
        arr = raw[at].view(dt).reshape(-1)
        out.add({p.name: arr[p.name] for p in el.props}, np.asarray(idx, dtype=np.int64))
    out.flush_groups()
    return o


def _ply_record_layout(data: bytes, offset: int, el: _PlyElement, endian: str) -> tuple[int, ...]:
    """List lengths of the record at ``offset`` (checked to fit in the file)."""
    lengths: list[int] = []
    probe = offset
    for p in el.props:
        if p.count_dtype is None:
            probe += np.dtype(p.dtype).itemsize
            continue
        cdt = np.dtype(endian + p.count_dtype)
        if probe + cdt.itemsize > len(data):
            raise ScanReadError(f"binary PLY is truncated in element '{el.name}'")
        k = int(np.frombuffer(data, cdt, 1, probe)[0])
        if k < 0 or k > 1024:
            raise ScanReadError(f"PLY element '{el.name}' has a list of {k} entries")
        lengths.append(k)
        probe += cdt.itemsize + k * np.dtype(p.dtype).itemsize
    if probe > len(data):
        raise ScanReadError(f"binary PLY is truncated in element '{el.name}'")
    return tuple(lengths)


def _line_starts(data: bytes, start: int) -> NDArray[np.int64]:
    body = np.frombuffer(data, dtype=np.uint8, offset=start)
    nl = np.flatnonzero(body == 10)
    return np.concatenate([[0], nl + 1]).astype(np.int64) + start


def _ply_ascii_body(
    data: bytes, start: int, elements: list[_PlyElement]
) -> dict[str, dict[str, object]]:
    starts = _line_starts(data, start)
    # Lines that hold data: the body may end with or without a newline.
    n_lines = len(starts) - (1 if starts[-1] >= len(data) else 0)
    line = 0
    out: dict[str, dict[str, object]] = {}
    for el in elements:
        if line + el.count > n_lines:
            raise ScanReadError(
                f"ASCII PLY is truncated: element '{el.name}' announces {el.count} lines, "
                f"{max(n_lines - line, 0)} remain"
            )
        lo = int(starts[line])
        hi = int(starts[line + el.count]) if line + el.count < len(starts) else len(data)
        block = data[lo:hi]
        line += el.count
        if el.count == 0:
            out[el.name] = {p.name: np.zeros((0, 3)) for p in el.props}
            continue
        if all(p.count_dtype is None for p in el.props):
            arr = _loadtxt(block, len(el.props))
            if arr.shape != (el.count, len(el.props)):
                raise ScanReadError(
                    f"ASCII PLY element '{el.name}' has rows of {arr.shape[1]} values, "
                    f"expected {len(el.props)}"
                )
            out[el.name] = {p.name: arr[:, i] for i, p in enumerate(el.props)}
        else:
            out[el.name] = _ply_ascii_lists(block, el)
    return out


def _ply_ascii_lists(block: bytes, el: _PlyElement) -> dict[str, object]:
    """ASCII elements with list properties: parsed in C, then read in runs like binary ones."""
    try:
        with warnings.catch_warnings():
            # numpy < 2.3 only warns when the text stops being numeric; newer ones raise.
            warnings.simplefilter("error", DeprecationWarning)
            values = np.fromstring(block, dtype=np.float64, sep=" ")
    except (ValueError, DeprecationWarning):
        raise ScanReadError(f"ASCII PLY element '{el.name}' has non-numeric values") from None
    out = _ListParts(el)
    pos = done = walked = 0
    chunk = 64
    while done < el.count:
        offs, ks, width = _ply_ascii_layout(values, pos, el)
        take = min(el.count - done, chunk, (values.size - pos) // width)
        if take <= 0:
            raise ScanReadError(f"ASCII PLY element '{el.name}' is truncated")
        rows = values[pos : pos + take * width].reshape(take, width)
        same = np.ones(take, dtype=bool)
        for o, k in zip(offs, ks):
            if k is not None:
                same &= rows[:, o] == k
        run = take if same.all() else int(np.argmin(same))
        out.add(_ply_ascii_columns(rows[:run], el, offs, ks))
        done += run
        pos += run * width
        if run == take:
            chunk = min(chunk * 4, _PLY_MAX_CHUNK)
            continue
        chunk = 64
        if run < _PLY_SHORT_RUN:
            n_walk = min(el.count - done, _PLY_WALK_BATCH)
            walked += n_walk
            if walked > MAX_PLY_WALKED_RECORDS:
                raise ScanReadError(
                    f"PLY element '{el.name}' changes its list lengths every few records for "
                    f"more than {MAX_PLY_WALKED_RECORDS} records; triangulate before export"
                )
            groups: dict[tuple, tuple[list[int], list[int]]] = {}
            window = values[pos : pos + _PLY_WALK_BATCH * 8].tolist()
            w = j = 0
            at_tail = pos + len(window) >= values.size
            while j < n_walk:
                try:
                    offs, ks, width = _ply_ascii_layout(window, w, el)
                except ScanReadError:
                    if at_tail:
                        raise
                    break  # the record continues past this window: the next batch reads it
                if w + width > len(window):
                    if at_tail:
                        raise ScanReadError(f"ASCII PLY element '{el.name}' is truncated")
                    break
                starts, idx = groups.setdefault((tuple(offs), tuple(ks), width), ([], []))
                starts.append(pos + w)
                idx.append(j)
                w += width
                j += 1
            if j == 0:
                raise ScanReadError(f"ASCII PLY element '{el.name}' is truncated")
            n_walk = j
            pos += w
            if pos > values.size:
                raise ScanReadError(f"ASCII PLY element '{el.name}' is truncated")
            for (g_offs, g_ks, g_width), (starts, idx) in groups.items():
                at = np.asarray(starts, dtype=np.int64)[:, None] + np.arange(g_width)
                cols = _ply_ascii_columns(values[at], el, list(g_offs), list(g_ks))
                out.add(cols, np.asarray(idx, dtype=np.int64))
            out.flush_groups()
            done += n_walk
    if pos != values.size:
        raise ScanReadError(f"ASCII PLY element '{el.name}' has more values than its lists")
    return out.result()


def _ply_ascii_layout(
    values: NDArray[np.float64] | list[float], pos: int, el: _PlyElement
) -> tuple[list[int], list[int | None], int]:
    """Offsets of each property in the record at ``pos``, list lengths, record width."""
    offs: list[int] = []
    ks: list[int | None] = []
    width = 0
    for p in el.props:
        offs.append(width)
        if p.count_dtype is None:
            ks.append(None)
            width += 1
            continue
        if pos + width >= len(values):
            raise ScanReadError(f"ASCII PLY element '{el.name}' is truncated")
        k = float(values[pos + width])
        if not (0 <= k <= 1024 and k == int(k)):
            raise ScanReadError(f"ASCII PLY element '{el.name}' has a list length of {k}")
        ks.append(int(k))
        width += 1 + int(k)
    return offs, ks, width


def _ply_ascii_columns(
    rows: NDArray[np.float64], el: _PlyElement, offs: list[int], ks: list[int | None]
) -> dict[str, NDArray]:
    cols: dict[str, NDArray] = {}
    for p, o, k in zip(el.props, offs, ks):
        if k is None:
            cols[p.name] = rows[:, o]
        else:
            cols[p.name] = rows[:, o + 1 : o + 1 + k].astype(np.int64)
    return cols


# --------------------------------------------------------------------------- PCD

_PCD_TYPES = {
    ("F", 4): "f4",
    ("F", 8): "f8",
    ("I", 1): "i1",
    ("I", 2): "i2",
    ("I", 4): "i4",
    ("I", 8): "i8",
    ("U", 1): "u1",
    ("U", 2): "u2",
    ("U", 4): "u4",
    ("U", 8): "u8",
}


def _read_pcd(data: bytes) -> _Raw:
    header: dict[str, list[str]] = {}
    pos = 0
    data_kind = ""
    for _ in range(64):
        nl = data.find(b"\n", pos)
        if nl < 0:
            raise ScanReadError("PCD header is truncated (no DATA line)")
        line = data[pos:nl].decode("ascii", errors="replace").strip()
        pos = nl + 1
        if not line or line.startswith("#"):
            continue
        tok = line.split()
        header[tok[0].upper()] = tok[1:]
        if tok[0].upper() == "DATA":
            data_kind = tok[1].lower() if len(tok) > 1 else ""
            break
    else:
        raise ScanReadError("PCD header is too long or has no DATA line")
    fields = header.get("FIELDS")
    if not fields:
        raise ScanReadError("PCD header has no FIELDS line")
    nf = len(fields)
    try:
        sizes = [int(s) for s in header.get("SIZE", ["4"] * nf)]
        types = header.get("TYPE", ["F"] * nf)
        counts = [int(c) for c in header.get("COUNT", ["1"] * nf)]
        if "POINTS" in header:
            n = int(header["POINTS"][0])
        else:
            n = int(header["WIDTH"][0]) * int(header.get("HEIGHT", ["1"])[0])
    except (ValueError, KeyError, IndexError):
        raise ScanReadError("PCD header has malformed SIZE/COUNT/POINTS values") from None
    if not (len(sizes) == len(types) == len(counts) == nf):
        raise ScanReadError("PCD header FIELDS/SIZE/TYPE/COUNT lengths differ")
    check_count(n, "PCD points", MAX_POINTS)
    for need in ("x", "y", "z"):
        if need not in fields:
            raise ScanReadError(f"PCD file has no '{need}' field")
    dtypes = []
    for f, s, t, c in zip(fields, sizes, types, counts):
        key = (t.upper(), s)
        if key not in _PCD_TYPES:
            raise ScanReadError(f"PCD field {f!r} has unsupported TYPE {t} SIZE {s}")
        dtypes.append((f, "<" + _PCD_TYPES[key], (c,)) if c > 1 else (f, "<" + _PCD_TYPES[key]))
    if data_kind == "ascii":
        flat_cols = sum(counts)
        arr2 = _loadtxt(data[pos:], flat_cols, max_rows=n)
        if arr2.shape[0] != n or (n and arr2.shape[1] != flat_cols):
            raise ScanReadError(f"PCD ascii data has {arr2.shape[0]} rows, header says {n}")
        col_of: dict[str, NDArray] = {}
        c0 = 0
        for f, c in zip(fields, counts):
            col_of[f] = arr2[:, c0] if c == 1 else arr2[:, c0 : c0 + c]
            c0 += c
    elif data_kind == "binary":
        dt = np.dtype(dtypes)  # type: ignore[arg-type]
        if pos + dt.itemsize * n > len(data):
            raise ScanReadError(
                f"binary PCD is truncated: {n} points need {dt.itemsize * n} bytes, "
                f"{len(data) - pos} remain"
            )
        arr = np.frombuffer(data, dtype=dt, count=n, offset=pos)
        col_of = {f: arr[f] for f in fields}
    elif data_kind == "binary_compressed":
        return _read_pcd_open3d(data)
    else:
        raise ScanReadError(f"unsupported PCD DATA kind {data_kind!r}")
    pts = np.column_stack([np.asarray(col_of[k], dtype=np.float64) for k in ("x", "y", "z")])
    normals = None
    if all(k in col_of for k in ("normal_x", "normal_y", "normal_z")):
        normals = np.column_stack(
            [np.asarray(col_of[k], dtype=np.float64) for k in ("normal_x", "normal_y", "normal_z")]
        )
    colors = None
    for key in ("rgb", "rgba"):
        if key in col_of:
            packed = np.asarray(col_of[key])
            if packed.dtype.kind == "f":
                packed = packed.astype("<f4").view("<u4")
            packed = packed.astype(np.uint32)
            colors = np.column_stack(
                [(packed >> 16) & 255, (packed >> 8) & 255, packed & 255]
            ).astype(np.uint8)
            break
    return _Raw(pts, None, normals, colors)


def _read_pcd_open3d(data: bytes) -> _Raw:
    # LZF-compressed PCD: decode with open3d rather than a slow pure-Python LZF loop.
    try:
        import open3d as o3d
    except ImportError:
        raise MissingExtraError("scan", "open3d") from None
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pcd") as tmp:
        tmp.write(data)
        tmp.flush()
        pc = o3d.io.read_point_cloud(tmp.name, format="pcd")
    pts = np.asarray(pc.points, dtype=np.float64)
    if pts.shape[0] == 0:
        raise ScanReadError("compressed PCD could not be decoded (corrupt or empty)")
    normals = np.asarray(pc.normals, dtype=np.float64) if pc.has_normals() else None
    colors = _colors_to_u8(np.asarray(pc.colors)) if pc.has_colors() else None
    return _Raw(pts, None, normals, colors)


# --------------------------------------------------------------------------- XYZ / PTS / CSV

_NUM_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(nan|inf|infinity)$", re.I)


def _split_fields(line: str, delim: str | None) -> list[str]:
    return [t.strip() for t in (line.split(delim) if delim else line.split())]


def _read_xyz(data: bytes) -> _Raw:
    head = data[:65536].decode("latin-1")
    lines = head.splitlines()
    if len(data) > 65536 and lines:
        lines = lines[:-1]  # the last sniffed line may be cut
    # Find the first line that is all numbers with >= 3 fields.
    delim: str | None = None
    first = -1
    header_fields: list[str] | None = None
    for i, line in enumerate(lines[:50]):
        s = line.strip()
        if not s or s.startswith("#") or s.startswith("//"):
            continue
        d = "," if "," in s else (";" if ";" in s else None)
        toks = _split_fields(s, d)
        if len(toks) >= 3 and all(_NUM_RE.match(t) for t in toks):
            delim, first = d, i
            break
        header_fields = [t.strip("\"' ").lower() for t in toks]
    if first < 0:
        raise ScanReadError("no lines with three numeric columns (x y z) found")
    ncols = len(_split_fields(lines[first].strip(), delim))
    # Count rows before parsing: a tiny gzip can expand to many short lines.
    check_count(data.count(b"\n") - first, "text rows", MAX_POINTS + 1000)
    # Comments are skipped by loadtxt itself; skiprows counts physical lines before the data.
    arr = _loadtxt(data, ncols, delimiter=delim, skiprows=first, comments=["#", "//"])
    if arr.shape[0] > MAX_POINTS:
        raise ScanReadError(f"{arr.shape[0]} points is more than the limit of {MAX_POINTS}")
    names = header_fields if header_fields and len(header_fields) == ncols else None
    return _columns_to_raw(arr, names)


def _columns_to_raw(arr: NDArray[np.float64], names: list[str] | None) -> _Raw:
    ncols = arr.shape[1]
    if names is not None:

        def find(*cands: str) -> int | None:
            for c in cands:
                if c in names:
                    return names.index(c)
            return None

        ix = [
            find("x", "x_mm", "x_m", "px"),
            find("y", "y_mm", "y_m", "py"),
            find("z", "z_mm", "z_m", "pz"),
        ]
        xyz = [i for i in ix if i is not None]
        if len(xyz) != 3:
            xyz = [0, 1, 2]
        pts = arr[:, xyz]
        nidx = [find("nx", "normal_x"), find("ny", "normal_y"), find("nz", "normal_z")]
        cidx = [find("r", "red"), find("g", "green"), find("b", "blue")]
        normals = arr[:, nidx] if all(i is not None for i in nidx) else None  # type: ignore[index]
        colors = _colors_to_u8(arr[:, cidx]) if all(i is not None for i in cidx) else None  # type: ignore[index]
        return _Raw(pts, None, normals, colors)
    pts = arr[:, :3]
    normals = colors = None
    if ncols >= 6:
        extra = arr[:, 3:6]
        tail = arr[:, -3:]
        norm = np.linalg.norm(extra, axis=1)
        if np.all(np.abs(extra) <= 1.0) and np.mean(np.abs(norm - 1.0) < 0.05) > 0.99:
            normals = extra
        elif _looks_like_rgb(tail):
            # x y z [intensity] r g b (Leica PTS) or x y z r g b
            colors = tail.astype(np.uint8)
    return _Raw(pts, None, normals, colors)


def _looks_like_rgb(cols: NDArray[np.float64]) -> bool:
    return bool(np.all((cols >= 0) & (cols <= 255) & (cols == np.round(cols))))


# --------------------------------------------------------------------------- OBJ

_OBJ_SLASH = re.compile(rb"/[^\s]*")


def _read_obj(data: bytes) -> _Raw:
    v_lines: list[bytes] = []
    f_lines: list[bytes] = []
    vn_lines: list[bytes] = []
    # v, vt and vn per vertex plus the faces: more lines than this cannot be a valid scan.
    check_count(data.count(b"\n"), "OBJ lines", 3 * MAX_POINTS + MAX_FACES)
    for line in data.splitlines():
        s = line.lstrip()
        if s.startswith(b"v "):
            v_lines.append(s[2:])
        elif s.startswith(b"f "):
            f_lines.append(s[2:])
        elif s.startswith(b"vn "):
            vn_lines.append(s[3:])
        elif s.startswith(b"v\t"):
            v_lines.append(s[2:])
        elif s.startswith(b"f\t"):
            f_lines.append(s[2:])
    if not v_lines:
        raise ScanReadError("OBJ file has no vertex ('v') lines")
    check_count(len(v_lines), "OBJ vertices", MAX_POINTS)
    check_count(len(f_lines), "OBJ faces", MAX_FACES)
    widths = {len(v.split()) for v in v_lines[:1000]}
    width = min(widths)
    if width < 3:
        raise ScanReadError("OBJ vertex lines need at least three coordinates")
    try:
        verts = np.loadtxt(v_lines, dtype=np.float64, ndmin=2, usecols=range(min(width, 6)))
    except ValueError as exc:
        raise ScanReadError(f"OBJ vertex lines are not numeric ({short_error(exc)})") from None
    pts = verts[:, :3]
    colors = _colors_to_u8(verts[:, 3:6]) if verts.shape[1] >= 6 else None
    n = pts.shape[0]
    faces = None
    if f_lines:
        stripped = [_OBJ_SLASH.sub(b"", f) for f in f_lines]
        try:
            idx = np.loadtxt(stripped, dtype=np.int64, ndmin=2)
            polys = None
        except ValueError:
            polys = [[int(t) for t in f.split()] for f in stripped]
        if polys is None:
            idx = np.where(idx < 0, idx + n, idx - 1)
            faces = fan_triangulate_fixed(idx)
        else:
            polys = [[i + n if i < 0 else i - 1 for i in p] for p in polys]
            check_count(sum(max(len(p) - 2, 0) for p in polys), "OBJ triangles", MAX_FACES)
            faces = fan_triangulate(polys)
    normals = None
    if vn_lines and len(vn_lines) == n and faces is None:
        normals = np.loadtxt(vn_lines, dtype=np.float64, ndmin=2)[:, :3]
    return _Raw(pts, faces, normals, colors)


# --------------------------------------------------------------------------- STL

_STL_VERTEX = re.compile(rb"vertex\s+(\S+)\s+(\S+)\s+(\S+)")


def _read_stl(data: bytes) -> _Raw:
    if len(data) >= 84:
        n_tri = int.from_bytes(data[80:84], "little")
        if len(data) == 84 + 50 * n_tri:
            return _read_stl_binary(data, n_tri)
    if data.lstrip()[:5].lower() == b"solid":
        return _read_stl_ascii(data)
    if len(data) >= 84:
        n_tri = int.from_bytes(data[80:84], "little")
        if 84 + 50 * n_tri > len(data):
            raise ScanReadError(
                f"binary STL is truncated: {n_tri} triangles need {84 + 50 * n_tri} bytes, "
                f"the file has {len(data)}"
            )
        return _read_stl_binary(data, n_tri)
    raise ScanReadError("not an STL file (too short for binary and no 'solid' keyword)")


def _read_stl_binary(data: bytes, n_tri: int) -> _Raw:
    check_count(n_tri, "STL triangles", MAX_FACES)
    dt = np.dtype([("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    arr = np.frombuffer(data, dtype=dt, count=n_tri, offset=84)
    return _merge_triangle_soup(arr["v"].reshape(-1, 3).astype(np.float64))


def _read_stl_ascii(data: bytes) -> _Raw:
    check_count(data.count(b"vertex") // 3, "ASCII STL facets", MAX_FACES)
    found = _STL_VERTEX.findall(data)
    if not found:
        raise ScanReadError("ASCII STL has no 'vertex' lines")
    if len(found) % 3:
        raise ScanReadError("ASCII STL is truncated: vertex count is not a multiple of three")
    try:
        soup = np.array(found, dtype=np.float64)
    except ValueError as exc:
        raise ScanReadError(f"ASCII STL vertex is not numeric ({short_error(exc)})") from None
    return _merge_triangle_soup(soup)


def _merge_triangle_soup(soup: NDArray[np.float64]) -> _Raw:
    """STL stores every corner separately: merge identical corners into shared vertices."""
    if soup.shape[0] == 0:
        return _Raw(np.zeros((0, 3)))
    finite = np.isfinite(soup).all(axis=1)
    if not finite.all():
        # Keep NaN corners distinct so _finish can count and drop them.
        keep_tris = finite.reshape(-1, 3).all(axis=1)
        bad = soup[~finite]
        soup = soup[np.repeat(keep_tris, 3)]
        uniq, inverse = np.unique(soup, axis=0, return_inverse=True)
        pts = np.vstack([uniq, bad])
        return _Raw(pts, inverse.reshape(-1, 3).astype(np.int64))
    uniq, inverse = np.unique(soup, axis=0, return_inverse=True)
    return _Raw(uniq, inverse.reshape(-1, 3).astype(np.int64))


_READERS = {
    "ply": _read_ply,
    "pcd": _read_pcd,
    "xyz": _read_xyz,
    "obj": _read_obj,
    "stl": _read_stl,
    "glb": read_glb,
    "gltf": read_gltf_bytes,
    "usd": read_usd_bytes,
    "usdz": read_usdz_bytes,
}


# --------------------------------------------------------------------------- writers

#: Formats :func:`write_scan` can produce.
WRITE_FORMATS = (
    "ply",
    "ply_ascii",
    "ply_be",
    "pcd",
    "pcd_ascii",
    "xyz",
    "csv",
    "obj",
    "stl",
    "stl_ascii",
)


def write_scan(
    path: str | os.PathLike[str],
    points: NDArray[np.float64],
    faces: NDArray[np.int64] | None = None,
    *,
    normals: NDArray[np.float64] | None = None,
    colors: NDArray[np.uint8] | None = None,
    fmt: str | None = None,
    float32: bool = False,
) -> Path:
    """Write points (and optionally a mesh) to a scan file, atomically.

    Coordinates are written as given (no unit conversion): the caller picks the unit.

    Parameters
    ----------
    path : path-like
        Destination; written to a temporary name beside it, then renamed.
    points : (n, 3) float64
        Coordinates.
    faces : (m, 3) int64, optional
        Triangles; required for ``"stl"``/``"stl_ascii"``, ignored by ``xyz``/``csv``/``pcd``.
    normals : (n, 3) float64, optional
        Per-point normals (PLY, PCD, XYZ).
    colors : (n, 3) uint8, optional
        Per-point colours (PLY, PCD, CSV).
    fmt : str, optional
        One of :data:`WRITE_FORMATS`; default from the extension (binary little-endian PLY,
        binary PCD, binary STL).
    float32 : bool
        Store binary PLY coordinates as float32 (half the size; ~0.02 mm rounding at 0.5 m)
        instead of float64.

    Returns
    -------
    Path
        The written path.
    """
    p = Path(path)
    fmt = fmt or SCAN_FORMATS.get(p.suffix.lower())
    if fmt not in WRITE_FORMATS:
        raise ValueError(f"cannot write format {fmt!r}; choose one of {WRITE_FORMATS}")
    pts = np.ascontiguousarray(points, dtype=np.float64).reshape(-1, 3)
    tri = None if faces is None else np.ascontiguousarray(faces, dtype=np.int64).reshape(-1, 3)
    if fmt.startswith("stl") and tri is None:
        raise ValueError("STL needs faces")
    if float32 and fmt.startswith("ply"):
        payload = _enc_ply(
            pts,
            tri,
            normals,
            colors,
            coord_type="f4",
            kind="binary_big_endian"
            if fmt == "ply_be"
            else "ascii"
            if fmt == "ply_ascii"
            else "binary_little_endian",
        )
    else:
        payload = _ENCODERS[fmt](pts, tri, normals, colors)
    tmp = p.with_name(f".{p.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            for chunk in payload:
                fh.write(chunk)
        os.replace(tmp, p)
    finally:
        if tmp.exists():
            tmp.unlink()
    return p


def _text_rows(arr: NDArray, fmt: str, delim: str = " ") -> bytes:
    buf = io.StringIO()
    np.savetxt(buf, arr, fmt=fmt, delimiter=delim)
    return buf.getvalue().encode("ascii")


def _enc_ply(pts, tri, normals, colors, kind: str = "binary_little_endian", coord_type: str = "f8"):  # type: ignore[no-untyped-def]
    endian = {"binary_little_endian": "<", "binary_big_endian": ">", "ascii": "<"}[kind]
    fields = [("x", coord_type), ("y", coord_type), ("z", coord_type)]
    if normals is not None:
        fields += [("nx", "f4"), ("ny", "f4"), ("nz", "f4")]
    if colors is not None:
        fields += [("red", "u1"), ("green", "u1"), ("blue", "u1")]
    names = {"f8": "double", "f4": "float", "u1": "uchar"}
    head = [f"ply\nformat {kind} 1.0\ncomment footscan\nelement vertex {len(pts)}\n"]
    head += [f"property {names[t]} {n}\n" for n, t in fields]
    if tri is not None:
        head.append(f"element face {len(tri)}\nproperty list uchar int vertex_indices\n")
    head.append("end_header\n")
    yield "".join(head).encode("ascii")
    rec = np.empty(len(pts), dtype=[(n, endian + t) for n, t in fields])
    rec["x"], rec["y"], rec["z"] = pts[:, 0], pts[:, 1], pts[:, 2]
    if normals is not None:
        rec["nx"], rec["ny"], rec["nz"] = np.asarray(normals, dtype=np.float64).T
    if colors is not None:
        rec["red"], rec["green"], rec["blue"] = np.asarray(colors, dtype=np.uint8).T
    if kind == "ascii":
        cols = np.column_stack([rec[n].astype(np.float64) for n, _ in fields])
        fmts = ["%.9g" if t != "u1" else "%d" for _, t in fields]
        yield _text_rows(cols, " ".join(fmts))
        if tri is not None:
            yield _text_rows(np.column_stack([np.full(len(tri), 3), tri]), "%d")
        return
    yield rec.tobytes()
    if tri is not None:
        frec = np.empty(len(tri), dtype=[("n", "u1"), ("i", endian + "i4", (3,))])
        frec["n"] = 3
        frec["i"] = tri
        yield frec.tobytes()


def _enc_pcd(pts, tri, normals, colors, ascii_: bool = False):  # type: ignore[no-untyped-def]
    fields = ["x", "y", "z"]
    cols = [pts]
    sizes, types = ["8", "8", "8"], ["F", "F", "F"]
    dt: list[tuple[str, str]] = [("x", "<f8"), ("y", "<f8"), ("z", "<f8")]
    if normals is not None:
        fields += ["normal_x", "normal_y", "normal_z"]
        sizes += ["4"] * 3
        types += ["F"] * 3
        dt += [("normal_x", "<f4"), ("normal_y", "<f4"), ("normal_z", "<f4")]
    if colors is not None:
        fields.append("rgb")
        sizes.append("4")
        types.append("U")
        dt.append(("rgb", "<u4"))
    n = len(pts)
    yield (
        "# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\n"
        f"FIELDS {' '.join(fields)}\nSIZE {' '.join(sizes)}\nTYPE {' '.join(types)}\n"
        f"COUNT {' '.join(['1'] * len(fields))}\nWIDTH {n}\nHEIGHT 1\n"
        f"VIEWPOINT 0 0 0 1 0 0 0\nPOINTS {n}\nDATA {'ascii' if ascii_ else 'binary'}\n"
    ).encode("ascii")
    rec = np.empty(n, dtype=dt)
    rec["x"], rec["y"], rec["z"] = pts.T
    if normals is not None:
        rec["normal_x"], rec["normal_y"], rec["normal_z"] = np.asarray(normals).T
    if colors is not None:
        c = np.asarray(colors, dtype=np.uint32)
        rec["rgb"] = (c[:, 0] << 16) | (c[:, 1] << 8) | c[:, 2]
    del cols
    if ascii_:
        table = np.column_stack([rec[f].astype(np.float64) for f in fields])
        yield _text_rows(table, " ".join("%d" if f == "rgb" else "%.9g" for f in fields))
    else:
        yield rec.tobytes()


def _enc_xyz(pts, tri, normals, colors, delim: str = " ", header: bool = False):  # type: ignore[no-untyped-def]
    names = ["x", "y", "z"]
    table = [pts]
    fmts = ["%.9g"] * 3
    if normals is not None:
        names += ["nx", "ny", "nz"]
        table.append(np.asarray(normals, dtype=np.float64))
        fmts += ["%.6f"] * 3
    if colors is not None:
        names += ["red", "green", "blue"]
        table.append(np.asarray(colors, dtype=np.float64))
        fmts += ["%d"] * 3
    if header:
        yield (delim.join(names) + "\n").encode("ascii")
    yield _text_rows(np.column_stack(table), delim.join(fmts))


def _enc_obj(pts, tri, normals, colors):  # type: ignore[no-untyped-def]
    yield b"# footscan\n"
    yield _text_rows(pts, "v %.9g %.9g %.9g")
    if tri is not None:
        yield _text_rows(tri + 1, "f %d %d %d")


def _enc_stl(pts, tri, normals, colors, ascii_: bool = False):  # type: ignore[no-untyped-def]
    corners = pts[tri]
    fn = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    length = np.linalg.norm(fn, axis=1, keepdims=True)
    fn = np.divide(fn, length, out=np.zeros_like(fn), where=length > 0)
    if ascii_:
        out = io.StringIO()
        out.write("solid footscan\n")
        for nrm, c in zip(fn, corners):
            out.write(f"facet normal {nrm[0]:.6g} {nrm[1]:.6g} {nrm[2]:.6g}\n outer loop\n")
            for v in c:
                out.write(f"  vertex {v[0]:.9g} {v[1]:.9g} {v[2]:.9g}\n")
            out.write(" endloop\nendfacet\n")
        out.write("endsolid footscan\n")
        yield out.getvalue().encode("ascii")
        return
    rec = np.zeros(len(tri), dtype=[("n", "<f4", 3), ("v", "<f4", (3, 3)), ("attr", "<u2")])
    rec["n"] = fn
    rec["v"] = corners
    yield b"footscan binary STL".ljust(80, b" ")
    yield np.uint32(len(tri)).tobytes()
    yield rec.tobytes()


_ENCODERS = {
    "ply": _enc_ply,
    "ply_ascii": lambda *a: _enc_ply(*a, kind="ascii"),
    "ply_be": lambda *a: _enc_ply(*a, kind="binary_big_endian"),
    "pcd": _enc_pcd,
    "pcd_ascii": lambda *a: _enc_pcd(*a, ascii_=True),
    "xyz": _enc_xyz,
    "csv": lambda *a: _enc_xyz(*a, delim=",", header=True),
    "obj": _enc_obj,
    "stl": _enc_stl,
    "stl_ascii": lambda *a: _enc_stl(*a, ascii_=True),
}
