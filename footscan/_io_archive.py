"""Archives around a scan: a zip of OBJ + MTL + textures (what phone apps share), or gzip.

Everything happens in memory: no member is ever written to disk, so a member name such as
``../../etc/passwd`` can do no harm, and such names are refused anyway. Sizes are checked
against the budgets of :mod:`footscan._io_common` *before* anything is decompressed (the sizes
and ratios the zip directory declares) and again while decompressing (what the stream really
produces), so a zip or gzip bomb is refused after reading at most its declared size.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from pathlib import PurePosixPath

from footscan._io_common import (
    MAX_ARCHIVE_MEMBERS,
    MAX_DECODED_BYTES,
    BudgetExceededError,
    check_decoded_bytes,
)
from footscan.exceptions import ScanReadError

__all__ = ["MESH_EXTENSIONS", "find_scan_member", "unwrap_archive", "zip_is_usdz"]

#: Extensions of files inside an archive that are taken for the scan. Everything else
#: (``.mtl``, ``.png``, ``.jpg``, ``.txt``, ``.json``...) is ignored, as are hidden files and
#: macOS resource forks (``__MACOSX/``).
MESH_EXTENSIONS = (
    ".obj",
    ".ply",
    ".stl",
    ".glb",
    ".usdz",
    ".usdc",
    ".usda",
    ".usd",
    ".pcd",
    ".xyz",
    ".pts",
)
_USD_LAYERS = (".usdc", ".usda", ".usd")
_CHUNK = 1 << 20
_GZIP_INPUT_CHUNK = 1 << 16


def unwrap_archive(data: bytes, kind: str, name: str = "upload") -> tuple[str, bytes]:
    """Return the one scan inside a zip, or the content of a gzip stream.

    Parameters
    ----------
    data : bytes
        The archive.
    kind : {"zip", "gz"}
        Archive type.
    name : str
        The archive's file name (a gzip's inner name is this name without ``.gz``).

    Returns
    -------
    inner_name : str
        File name of the scan inside (base name only).
    inner : bytes
        Its decompressed content.

    Raises
    ------
    ScanReadError
        Not a valid archive, no scan or several scans inside, unsafe member names, encrypted
        or unsupported compression, nested archives; :class:`BudgetExceededError` for sizes
        or compression ratios over the budgets.
    """
    if kind == "gz":
        inner_name = name[:-3] if name.lower().endswith(".gz") else "upload"
        inner = gunzip_bounded(data)
    elif kind == "zip":
        inner_name, inner = find_scan_member(data)
    else:
        raise ValueError(f"unknown archive kind {kind!r}")
    nested = inner_name.lower().endswith((".zip", ".gz")) or inner[:2] == b"\x1f\x8b"
    if nested or (inner[:4] == b"PK\x03\x04" and not inner_name.lower().endswith(".usdz")):
        raise ScanReadError(f"{inner_name}: nested archives are not accepted")
    return inner_name, inner


def gunzip_bounded(data: bytes) -> bytes:
    """Decompress a gzip (or zlib) stream, refusing bombs while decompressing.

    Parameters
    ----------
    data : bytes
        The compressed stream (several concatenated gzip members are joined).

    Returns
    -------
    bytes
        The decompressed content, at most :data:`~footscan._io_common.MAX_DECODED_BYTES`.
    """
    out = bytearray()
    consumed = 0
    rest = data
    while rest:
        d = zlib.decompressobj(wbits=47)  # gzip or zlib header, auto-detected
        pos = 0
        try:
            while not d.eof:
                if d.unconsumed_tail:
                    piece = d.unconsumed_tail
                else:
                    piece = rest[pos : pos + _GZIP_INPUT_CHUNK]
                    pos += len(piece)
                    consumed += len(piece)
                    if not piece:
                        raise ScanReadError("gzip stream is truncated")
                out += d.decompress(piece, _CHUNK)
                check_decoded_bytes(len(out), consumed, "gzip stream")
        except zlib.error as exc:
            raise ScanReadError(f"not a valid gzip stream ({exc})") from None
        rest = d.unused_data + rest[pos:]
        consumed -= len(d.unused_data)
        if rest[:2] != b"\x1f\x8b":
            break  # trailing padding after the last member, as gzip(1) tolerates
    return bytes(out)


def zip_is_usdz(data: bytes) -> bool:
    """True when a zip is a USDZ package (its first file is a USD layer)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return bool(infos) and infos[0].filename.lower().endswith(_USD_LAYERS)


def _unsafe_name(name: str) -> bool:
    if "\\" in name or "\x00" in name or name.startswith("/") or ":" in name.split("/")[0]:
        return True
    return ".." in PurePosixPath(name).parts


def _is_candidate(name: str) -> bool:
    parts = PurePosixPath(name).parts
    if not parts or any(p.startswith(".") or p == "__MACOSX" for p in parts):
        return False
    return posixpath.splitext(name.lower())[1] in MESH_EXTENSIONS


def find_scan_member(data: bytes, max_bytes: int = MAX_DECODED_BYTES) -> tuple[str, bytes]:
    """Find and decompress the one scan inside a zip archive, in memory.

    Parameters
    ----------
    data : bytes
        The zip file. Stored, deflated, bzip2 and lzma members are read.
    max_bytes : int
        Largest total uncompressed size the zip directory may declare (default
        :data:`~footscan._io_common.MAX_DECODED_BYTES`; the shop passes its own upload limit).

    Returns
    -------
    name : str
        Base name of the scan member.
    content : bytes
        Its content.

    Raises
    ------
    ScanReadError
        See :func:`unwrap_archive`.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ScanReadError(f"not a valid zip file ({exc})") from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ARCHIVE_MEMBERS:
            raise BudgetExceededError(
                f"the zip holds {len(infos)} files, more than the limit of {MAX_ARCHIVE_MEMBERS}"
            )
        unsafe = [i.filename for i in infos if _unsafe_name(i.filename)]
        if unsafe:
            raise ScanReadError(f"unsafe file name {unsafe[0]!r} in the zip (absolute or '..')")
        total = sum(i.file_size for i in infos)
        limit = min(max_bytes, MAX_DECODED_BYTES)
        if total > limit:
            raise BudgetExceededError(
                f"the zip expands to {total / 2**20:.1f} MiB, more than the "
                f"{limit / 2**20:.0f} MiB decompression limit"
            )
        found = [i for i in infos if _is_candidate(i.filename)]
        nested = [i.filename for i in infos if i.filename.lower().endswith((".zip", ".gz"))]
        if not found and nested:
            raise ScanReadError(f"nested archives are not accepted ({nested[0]} in the zip)")
        if not found:
            listed = ", ".join(i.filename for i in infos[:8]) or "none"
            raise ScanReadError(
                f"no scan in the zip (expected one of {', '.join(MESH_EXTENSIONS)}; "
                f"files: {listed})"
            )
        if len(found) > 1:
            listed = ", ".join(i.filename for i in found[:8])
            raise ScanReadError(
                f"{len(found)} scans in one zip ({listed}): put exactly one scan in the archive"
            )
        info = found[0]
        what = f"zip member {info.filename!r}"
        check_decoded_bytes(info.file_size, info.compress_size, what)
        return posixpath.basename(info.filename), _read_member(zf, info, what)


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, what: str) -> bytes:
    if info.flag_bits & 0x1:
        raise ScanReadError(f"{what} is encrypted")
    buf = bytearray()
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(_CHUNK):
                buf += chunk
                if len(buf) > info.file_size:
                    raise BudgetExceededError(
                        f"{what} expands beyond the size its directory entry declares"
                    )
                check_decoded_bytes(len(buf), info.compress_size, what)
    except NotImplementedError as exc:
        raise ScanReadError(f"{what} uses an unsupported compression method ({exc})") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, OSError) as exc:
        raise ScanReadError(f"cannot decompress {what} ({exc})") from None
    return bytes(buf)
