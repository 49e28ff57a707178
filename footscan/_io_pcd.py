"""PCD (Point Cloud Library) reader and writer: ascii, binary; binary_compressed via open3d."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from footscan._io_common import (
    MAX_POINTS,
    Raw,
    check_count,
)
from footscan._io_text import colors_to_u8, loadtxt, text_rows
from footscan.exceptions import MissingExtraError, ScanReadError

__all__ = ["encode_pcd", "read_pcd"]


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


def read_pcd(data: bytes) -> Raw:
    """Points (and normals, packed colours) of a PCD file of any DATA kind."""
    header, pos, data_kind = _pcd_header(data)
    fields, counts, dtypes, n = _pcd_layout(header)
    if data_kind == "binary_compressed":
        return _read_pcd_open3d(data)
    if data_kind == "ascii":
        col_of = _pcd_ascii_columns(data[pos:], fields, counts, n)
    elif data_kind == "binary":
        dt = np.dtype(dtypes)
        if pos + dt.itemsize * n > len(data):
            raise ScanReadError(
                f"binary PCD is truncated: {n} points need {dt.itemsize * n} bytes, "
                f"{len(data) - pos} remain"
            )
        arr = np.frombuffer(data, dtype=dt, count=n, offset=pos)
        col_of = {f: arr[f] for f in fields}
    else:
        raise ScanReadError(f"unsupported PCD DATA kind {data_kind!r}")
    return _pcd_raw(col_of)


def _pcd_header(data: bytes) -> tuple[dict[str, list[str]], int, str]:
    """Header keys -> tokens, the offset of the data and the DATA kind."""
    header: dict[str, list[str]] = {}
    pos = 0
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
            return header, pos, tok[1].lower() if len(tok) > 1 else ""
    raise ScanReadError("PCD header is too long or has no DATA line")


def _pcd_layout(
    header: dict[str, list[str]],
) -> tuple[list[str], list[int], list[Any], int]:
    """Field names, per-field counts, the record dtype and the point count, checked."""
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
    dtypes: list[Any] = []
    for f, s, t, c in zip(fields, sizes, types, counts):
        key = (t.upper(), s)
        if key not in _PCD_TYPES:
            raise ScanReadError(f"PCD field {f!r} has unsupported TYPE {t} SIZE {s}")
        dtypes.append((f, "<" + _PCD_TYPES[key], (c,)) if c > 1 else (f, "<" + _PCD_TYPES[key]))
    return fields, counts, dtypes, n


def _pcd_ascii_columns(
    body: bytes, fields: list[str], counts: list[int], n: int
) -> dict[str, NDArray[np.float64]]:
    flat_cols = sum(counts)
    arr2 = loadtxt(body, flat_cols, max_rows=n)
    if arr2.shape[0] != n or (n and arr2.shape[1] != flat_cols):
        raise ScanReadError(f"PCD ascii data has {arr2.shape[0]} rows, header says {n}")
    col_of: dict[str, NDArray[np.float64]] = {}
    c0 = 0
    for f, c in zip(fields, counts):
        col_of[f] = arr2[:, c0] if c == 1 else arr2[:, c0 : c0 + c]
        c0 += c
    return col_of


def _pcd_raw(col_of: Mapping[str, NDArray[Any]]) -> Raw:
    """Coordinates, normals and unpacked ``rgb``/``rgba`` colours from the PCD columns."""
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
    return Raw(pts, None, normals, colors)


def _read_pcd_open3d(data: bytes) -> Raw:
    # LZF-compressed PCD: decode with open3d rather than a slow pure-Python LZF loop.
    try:
        import open3d as o3d
    except ImportError:
        raise MissingExtraError("scan", "open3d") from None
    import tempfile
    from pathlib import Path

    with tempfile.NamedTemporaryFile(suffix=".pcd") as tmp:
        tmp.write(data)
        tmp.flush()
        pc = o3d.io.read_point_cloud(Path(tmp.name), format="pcd")
    pts = np.asarray(pc.points, dtype=np.float64)
    if pts.shape[0] == 0:
        raise ScanReadError("compressed PCD could not be decoded (corrupt or empty)")
    normals = np.asarray(pc.normals, dtype=np.float64) if pc.has_normals() else None
    colors = colors_to_u8(np.asarray(pc.colors)) if pc.has_colors() else None
    return Raw(pts, None, normals, colors)


def encode_pcd(
    pts: NDArray[np.float64],
    tri: NDArray[np.int64] | None,
    normals: NDArray[np.float64] | None,
    colors: NDArray[np.uint8] | None,
    ascii_: bool = False,
) -> Iterator[bytes]:
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
        yield text_rows(table, " ".join("%d" if f == "rgb" else "%.9g" for f in fields))
    else:
        yield rec.tobytes()
