"""Upload checks in one place: file names, types, sizes and bounded decompression (no Flask).

Uploads may be gzip-compressed (``foot.ply.gz``) or a zip with one file (or a WFDB header plus
its data files). Decompression reads at most ``max_bytes`` + 1 bytes whatever the archive
claims, so a zip bomb costs us ``max_bytes`` of memory and then a 413.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import shutil
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from storefront.domain_errors import (
    BadRequest,
    InsufficientStorage,
    InvalidUpload,
    PayloadTooLarge,
    StoredFileUnreadable,
    UnsupportedFileType,
)
from storefront.security.encryption import (
    EncryptionError,
    Keyring,
    encrypt,
    keyring_for,
    read_decrypted,
)

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "UploadedFile",
    "check_filename",
    "data_keyring",
    "is_disk_full",
    "plaintext_copies",
    "private_dir",
    "read_private",
    "read_upload",
    "store_bytes",
    "store_file",
]

log = logging.getLogger(__name__)

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()+-]{0,199}$")
_CHUNK = 1 << 16


@dataclass(frozen=True)
class UploadedFile:
    """One checked file from an upload (after decompression)."""

    filename: str
    data: bytes = field(repr=False)

    @property
    def suffix(self) -> str:
        """Lower-case extension including the dot."""
        return Path(self.filename).suffix.lower()


def check_filename(raw: str | None, allowed: Iterable[str]) -> str:
    """Return ``raw`` if it is a plain file name with an allowed extension, else a 4xx.

    Names with path separators, ``..``, control characters or leading dots are refused rather
    than silently rewritten, so the client learns what was wrong.
    """
    if not raw:
        raise BadRequest("the upload has no file name", code="bad_filename")
    if "/" in raw or "\\" in raw or ".." in raw or "\x00" in raw:
        raise BadRequest(f"file name {raw!r} must not contain paths or '..'", code="bad_filename")
    if not _NAME_RE.match(raw):
        raise BadRequest(
            f"file name {raw!r} may only use letters, digits, space and ._()+- (max 200)",
            code="bad_filename",
        )
    allowed = tuple(allowed)
    inner = raw[:-3] if raw.lower().endswith(".gz") else raw
    if not raw.lower().endswith(".zip") and Path(inner).suffix.lower() not in allowed:
        raise UnsupportedFileType(
            f"{raw!r}: expected one of {', '.join(sorted(allowed))} (optionally .gz) or a .zip"
        )
    return raw


def _bounded_gunzip(data: bytes, max_bytes: int, name: str) -> bytes:
    d = zlib.decompressobj(wbits=47)  # 32 + 15: gzip or zlib header, auto-detected
    out = bytearray()
    buf = data
    try:
        while buf:
            out += d.decompress(buf, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise PayloadTooLarge(
                    f"{name}: expands to more than {max_bytes >> 20} MB",
                    code="decompressed_too_large",
                )
            buf = d.unconsumed_tail
            if d.eof:
                break
    except zlib.error as exc:
        raise InvalidUpload(f"{name}: not a valid gzip file ({exc})") from None
    if not d.eof:
        raise InvalidUpload(f"{name}: gzip stream is truncated")
    return bytes(out)


def _unzip(
    data: bytes, max_bytes: int, name: str, allowed: tuple[str, ...], max_members: int
) -> list[UploadedFile]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InvalidUpload(f"{name}: not a valid zip file ({exc})") from None
    members = [m for m in zf.infolist() if not m.is_dir()]
    if not 1 <= len(members) <= max_members:
        raise InvalidUpload(f"{name}: expected 1 to {max_members} files, found {len(members)}")
    files: list[UploadedFile] = []
    total = 0
    for m in members:
        inner = check_filename(m.filename, allowed)
        if inner.lower().endswith((".zip", ".gz")):
            raise InvalidUpload(f"{name}: nested archives are not accepted")
        buf = bytearray()
        try:
            with zf.open(m) as fh:
                while chunk := fh.read(_CHUNK):
                    buf += chunk
                    total += len(chunk)
                    if total > max_bytes:
                        raise PayloadTooLarge(
                            f"{name}: expands to more than {max_bytes >> 20} MB",
                            code="decompressed_too_large",
                        )
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise InvalidUpload(f"{name}: cannot extract {inner!r} ({exc})") from None
        files.append(UploadedFile(inner, bytes(buf)))
    return files


def _check_scan_zip(data: bytes, max_bytes: int, name: str) -> bytes:
    """Check a scan zip with footscan's archive reader (one scan inside, bounded, in memory)."""
    from footscan._io_archive import find_scan_member
    from footscan._io_common import BudgetExceededError
    from footscan.exceptions import ScanReadError

    try:
        find_scan_member(data, max_bytes)
    except BudgetExceededError as exc:
        raise PayloadTooLarge(f"{name}: {exc}", code="decompressed_too_large") from None
    except ScanReadError as exc:
        raise InvalidUpload(f"{name}: {exc}") from None
    return data


def read_upload(
    filename: str | None,
    data: bytes,
    allowed: Iterable[str],
    max_decompressed_bytes: int,
    max_members: int = 1,
) -> list[UploadedFile]:
    """Check a name and unwrap ``.gz`` / ``.zip``; return the files inside (or the file itself)."""
    allowed_t = tuple(allowed)
    name = check_filename(filename, allowed_t)
    if not data:
        raise InvalidUpload(f"{name}: the file is empty", code="empty_file")
    if name.lower().endswith(".zip"):
        if ".zip" in allowed_t:  # the reader unpacks zips itself (footscan: OBJ+MTL+textures)
            return [UploadedFile(name, _check_scan_zip(data, max_decompressed_bytes, name))]
        return _unzip(data, max_decompressed_bytes, name, allowed_t, max_members)
    if name.lower().endswith(".gz"):
        return [UploadedFile(name[:-3], _bounded_gunzip(data, max_decompressed_bytes, name))]
    return [UploadedFile(name, data)]


#: File and folder modes for everything users upload (health data: owner only).
FILE_MODE = 0o600
DIR_MODE = 0o700
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def is_disk_full(exc: BaseException) -> bool:
    """True for "no space left" (or quota) errors."""
    return isinstance(exc, OSError) and exc.errno in _FULL


def _disk_full() -> InsufficientStorage:
    return InsufficientStorage("the server has no space left for uploads; nothing was saved")


def private_dir(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` (and parents) readable by the service only (0700)."""
    p = Path(path)
    p.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    os.chmod(p, DIR_MODE)
    return p


def _write_private(tmp: Path, data: bytes) -> None:
    """Write a new file with mode 0600 and fsync it."""
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def store_file(path: str | os.PathLike[str], data: bytes, keyring: Keyring | None = None) -> None:
    """Write ``data`` to ``path`` atomically (temp file 0600, fsync, rename).

    With a ``keyring`` the file is encrypted (AES-256-GCM, :mod:`.encryption`). Raises
    :class:`~storefront.domain_errors.InsufficientStorage` (507) on a full disk, with
    no temp file left behind.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    if keyring is not None:
        data = encrypt(keyring, data)
    try:
        _write_private(tmp, data)
        os.replace(tmp, path)
    except OSError as exc:
        if is_disk_full(exc):
            raise _disk_full() from None
        raise
    finally:
        tmp.unlink(missing_ok=True)


def store_bytes(
    directory: str | os.PathLike[str], data: bytes, suffix: str, keyring: Keyring | None = None
) -> str:
    """Write ``data`` under a random name (temp file 0600, fsync, rename); return the name.

    With a ``keyring`` the file is encrypted (AES-256-GCM, :mod:`.encryption`). Raises
    :class:`~storefront.domain_errors.InsufficientStorage` (507) on a full disk, with
    no temp file left behind.
    """
    root = private_dir(directory)
    name = f"{uuid.uuid4().hex}{suffix}"
    tmp = root / f".{name}.tmp"
    if keyring is not None:
        data = encrypt(keyring, data)
    try:
        _write_private(tmp, data)
        os.replace(tmp, root / name)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise _disk_full() from None
        raise
    return name


def data_keyring() -> Keyring:
    """The data keys of the running app (encryption at rest of every stored upload)."""
    from flask import current_app

    return keyring_for(current_app.config)


def _unreadable(what: str, exc: EncryptionError) -> StoredFileUnreadable:
    log.error("stored file %s cannot be decrypted: %s", what, exc)
    return StoredFileUnreadable(
        f"the stored copy of {what} cannot be read back ({exc}); please upload it again"
    )


def read_private(path: str | os.PathLike[str], keyring: Keyring, what: str) -> bytes:
    """Read and decrypt one stored file; ``what`` names it for the user (never the path).

    Raises :class:`~storefront.domain_errors.StoredFileUnreadable` when the file was altered,
    truncated, is not encrypted, or names a key that is not configured.
    """
    try:
        return read_decrypted(keyring, path)
    except EncryptionError as exc:
        raise _unreadable(what, exc) from None


def _ram_dir(need_bytes: int) -> str | None:
    """``/dev/shm`` (memory-backed) if it has room for twice ``need_bytes``, else the default.

    Containers often give ``/dev/shm`` only 64 MB; a large recording then goes to the system
    temp folder rather than failing the job.
    """
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK | os.X_OK)):
        return None
    st = os.statvfs(shm)
    return str(shm) if st.f_bavail * st.f_frsize > 2 * need_bytes else None


_COPY_PREFIX = "shoestreet-job-"
#: A job's plaintext folder older than this was left by a killed job (jobs stop after 120 s).
_STALE_COPY_S = 3600.0


def _remove_stale_copies(root: Path) -> None:
    """Delete plaintext folders a SIGKILLed job left behind (ours only, older than an hour)."""
    import time

    cutoff = time.time() - _STALE_COPY_S
    try:
        for old in root.glob(_COPY_PREFIX + "*"):
            st = old.lstat()
            if old.is_dir() and st.st_uid == os.getuid() and st.st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
    except OSError:  # a folder we cannot list: nothing of ours to clean there
        pass


@contextmanager
def plaintext_copies(keyring: Keyring, sources: Iterable[Path], what: str) -> Iterator[Path]:
    """Decrypt stored files into a private temp folder for a reader that needs paths.

    The folder (0700, in ``/dev/shm`` where it has room, so the plaintext stays in memory) holds
    the files under their own names and is removed when the block ends, whatever happens.
    """
    sources = list(sources)
    need = sum(src.stat().st_size for src in sources if src.is_file())
    where = _ram_dir(need)
    _remove_stale_copies(Path(where or tempfile.gettempdir()))
    tmp = Path(tempfile.mkdtemp(prefix=_COPY_PREFIX, dir=where))
    try:
        os.chmod(tmp, DIR_MODE)
        for src in sources:
            _write_private(tmp / src.name, read_private(src, keyring, what))
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
