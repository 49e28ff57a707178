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

import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from footscan._cloud import PointCloud
from footscan._io_common import (
    MAX_DECODED_BYTES,
    MAX_FACES,
    MAX_FILE_BYTES,
    MAX_POINTS,
    short_error,
)
from footscan._io_common import Raw as Raw
from footscan._io_gltf import read_glb, read_gltf_bytes
from footscan._io_obj import encode_obj, read_obj
from footscan._io_pcd import encode_pcd, read_pcd
from footscan._io_ply import encode_ply, read_ply
from footscan._io_stl import encode_stl, read_stl
from footscan._io_usd import read_usd_bytes, read_usdz_bytes
from footscan._io_xyz import encode_xyz, read_xyz
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
    "ENCODERS",
    "READERS",
    "SCAN_FORMATS",
    "WRITE_FORMATS",
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
    return _decode(READERS[fmt], data, units, fmt, name)


def _decode(
    reader: Callable[[bytes], Raw], data: bytes, units: str, fmt: str, name: str
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


def _finish(raw: Raw, units: str, fmt: str, name: str) -> PointCloud:
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
    finite: NDArray[np.bool_] = np.all(np.isfinite(pts), axis=1)
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
            keep_face = np.all(finite[faces], axis=1)
            faces = new_index[faces[keep_face]]
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


# --------------------------------------------------------------------------- PLY


# --------------------------------------------------------------------------- PCD


# --------------------------------------------------------------------------- XYZ / PTS / CSV


# --------------------------------------------------------------------------- OBJ


# --------------------------------------------------------------------------- STL


#: The registry: format name -> reader (file bytes -> raw coordinates), as trimesh maps an
#: extension to a loader. :data:`SCAN_FORMATS` maps extensions to these names; archives
#: (``zip``, ``gz``) are unwrapped first and their member read through this table.
READERS: dict[str, Callable[[bytes], Raw]] = {
    "ply": read_ply,
    "pcd": read_pcd,
    "xyz": read_xyz,
    "obj": read_obj,
    "stl": read_stl,
    "glb": read_glb,
    "gltf": read_gltf_bytes,
    "usd": read_usd_bytes,
    "usdz": read_usdz_bytes,
}


# --------------------------------------------------------------------------- writers

Encoder = Callable[..., Iterator[bytes]]

#: The writers' registry: format name -> (encoder, its options). Each encoder takes
#: ``(points, faces, normals, colors, **options)`` and yields the file's bytes.
ENCODERS: dict[str, tuple[Encoder, dict[str, object]]] = {
    "ply": (encode_ply, {}),
    "ply_ascii": (encode_ply, {"kind": "ascii"}),
    "ply_be": (encode_ply, {"kind": "binary_big_endian"}),
    "pcd": (encode_pcd, {}),
    "pcd_ascii": (encode_pcd, {"ascii_": True}),
    "xyz": (encode_xyz, {}),
    "csv": (encode_xyz, {"delim": ",", "header": True}),
    "obj": (encode_obj, {}),
    "stl": (encode_stl, {}),
    "stl_ascii": (encode_stl, {"ascii_": True}),
}

#: Formats :func:`write_scan` can produce.
WRITE_FORMATS = tuple(ENCODERS)


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
    encoder, options = ENCODERS[fmt]
    if float32 and fmt.startswith("ply"):
        options = {**options, "coord_type": "f4"}
    payload = encoder(pts, tri, normals, colors, **options)
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
