"""PLY reader and writer (ascii, binary little and big endian; any vertex/face layout).

Our own numpy code: fixed-size records are read as one structured array; variable-length
face lists are read by runs of equal lengths (walked record by record only when the lengths
change every few records, up to :data:`MAX_PLY_WALKED_RECORDS`).
"""

from __future__ import annotations

import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from footscan._io_common import (
    MAX_FACES,
    MAX_POINTS,
    Raw,
    check_count,
    fan_triangulate_fixed,
)
from footscan._io_text import colors_to_u8, loadtxt, text_rows
from footscan.exceptions import ScanReadError

__all__ = ["MAX_PLY_WALKED_RECORDS", "encode_ply", "read_ply"]


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


def read_ply(data: bytes) -> Raw:
    fmt, elements, start = _parse_ply_header(data)
    if fmt == "ascii":
        values = _ply_ascii_body(data, start, elements)
    else:
        endian = "<" if fmt == "binary_little_endian" else ">"
        values = _ply_binary_body(data, start, elements, endian)
    vert: dict[str, Any] = values["vertex"]
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
            colors = colors_to_u8(np.column_stack([vert[k] for k in names]))
            break
    faces = None
    face: dict[str, Any] | None = values.get("face")
    if face is not None:
        key = next((k for k in ("vertex_indices", "vertex_index") if k in face), None)
        if key is not None:
            faces = face[key]
    return Raw(pts, faces, normals, colors)


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


def _next_chunk(run: int, take: int, chunk: int) -> tuple[int, bool]:
    """Records to view next, and whether to walk the next ones one by one.

    A run that filled its chunk grows the chunk (x4); one that ended early starts again
    small, and a very short one (lengths change every few records) means walking.
    """
    if run == take:
        return min(chunk * 4, _PLY_MAX_CHUNK), False
    return 64, run < _PLY_SHORT_RUN


def _walk_batch(el: _PlyElement, done: int, walked: int) -> tuple[int, int]:
    """Records to walk now and the running total, within :data:`MAX_PLY_WALKED_RECORDS`."""
    n_walk = min(el.count - done, _PLY_WALK_BATCH)
    walked += n_walk
    if walked > MAX_PLY_WALKED_RECORDS:
        raise ScanReadError(
            f"PLY element '{el.name}' changes its list lengths every few records for "
            f"more than {MAX_PLY_WALKED_RECORDS} records; triangulate before export"
        )
    return n_walk, walked


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
        chunk, walk = _next_chunk(run, take, chunk)
        if walk:
            n_walk, walked = _walk_batch(el, done, walked)
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
    for layout, (offs, idx) in groups.items():
        dt = _ply_layout_dtype(layouts, layout, el, endian)
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


def line_starts(data: bytes, start: int) -> NDArray[np.int64]:
    body = np.frombuffer(data, dtype=np.uint8, offset=start)
    nl = np.flatnonzero(body == 10)
    return np.concatenate([[0], nl + 1]).astype(np.int64) + start


def _ply_ascii_body(
    data: bytes, start: int, elements: list[_PlyElement]
) -> dict[str, dict[str, object]]:
    starts = line_starts(data, start)
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
            arr = loadtxt(block, len(el.props))
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
        chunk, walk = _next_chunk(run, take, chunk)
        if walk:
            n_walk, walked = _walk_batch(el, done, walked)
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


def encode_ply(
    pts: NDArray[np.float64],
    tri: NDArray[np.int64] | None,
    normals: NDArray[np.float64] | None,
    colors: NDArray[np.uint8] | None,
    kind: str = "binary_little_endian",
    coord_type: str = "f8",
) -> Iterator[bytes]:
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
        yield text_rows(cols, " ".join(fmts))
        if tri is not None:
            yield text_rows(np.column_stack([np.full(len(tri), 3), tri]), "%d")
        return
    yield rec.tobytes()
    if tri is not None:
        frec = np.empty(len(tri), dtype=[("n", "u1"), ("i", endian + "i4", (3,))])
        frec["n"] = 3
        frec["i"] = tri
        yield frec.tobytes()
