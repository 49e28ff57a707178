"""Encryption at rest of uploaded files (AES-256-GCM from ``cryptography``), Flask-free.

Every raw scan, foot model, gait recording, gait report and upload chunk is written as one
*blob*::

    b"SSE1" | key id length (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext + tag (16)

The header (magic, key id) is authenticated as associated data, so neither the ciphertext nor
the key id can be changed without :func:`decrypt` noticing (:class:`StoredFileTampered`).
The key id says which key of the :class:`Keyring` sealed the blob, so keys can be rotated:
new blobs use the active key, old ones stay readable while their key is in the ring, and
:func:`reencrypt_tree` (``storefront rotate-key``) moves everything to the active key.

Where the keys come from (:func:`keyring_for`):

* ``DATA_KEYS`` (environment ``SHOESTREET_DATA_KEYS``): ``id:base64key[,id:base64key...]``,
  the first is the active key; nothing is written.
* otherwise the JSON file ``DATA_KEY_FILE`` (default ``instance/data_keys.json``), created
  once with mode 0600 and one random key.

Chunked uploads are appended chunk by chunk, so ``.part`` files hold *records*: a 4-byte
big-endian length followed by one blob per chunk (:func:`append_record`, :func:`read_records`).
"""

from __future__ import annotations

import base64
import binascii
import errno
import json
import os
import secrets
import struct
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

__all__ = [
    "MAGIC",
    "EncryptionError",
    "Keyring",
    "KeyConfigError",
    "NotEncrypted",
    "RotationReport",
    "StoredFileTampered",
    "UnknownDataKey",
    "append_record",
    "decrypt",
    "encrypt",
    "is_encrypted",
    "drop_old_keys",
    "key_file_path",
    "key_id_of",
    "keyring_for",
    "new_key_line",
    "parse_keys_env",
    "new_key_id",
    "read_decrypted",
    "read_records",
    "reencrypt_tree",
    "rotate_key_file",
]

#: First bytes of every encrypted blob.
MAGIC = b"SSE1"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_KEY_BYTES = 32
_LEN = struct.Struct(">I")
_FILE_MODE = 0o600


class EncryptionError(Exception):
    """Base class of the errors of encryption at rest."""


class KeyConfigError(EncryptionError):
    """The configured keys are malformed (bad ``DATA_KEYS`` or key file)."""


class StoredFileTampered(EncryptionError):
    """A stored blob failed its integrity check: altered, truncated, or sealed by another key."""


class UnknownDataKey(EncryptionError):
    """The blob names a key id that is not in the key ring (removed too early, or another ring)."""


class NotEncrypted(EncryptionError):
    """A stored file has no encryption header (written before encryption at rest, or planted)."""


@dataclass(frozen=True)
class Keyring:
    """The data keys: ``keys`` maps key id -> 32-byte AES key; ``active_id`` seals new blobs."""

    active_id: str
    keys: Mapping[str, bytes] = field(repr=False)
    #: Where the keys came from: ``"file"`` (rotatable by the CLI) or ``"env"``.
    source: str = "file"

    def __post_init__(self) -> None:
        """Check the ring: the active id is in it, every id is well formed, every key 32 bytes.

        Raises
        ------
        KeyConfigError
            Any of these does not hold.
        """
        if self.active_id not in self.keys:
            raise KeyConfigError(f"the active data key {self.active_id!r} is not in the ring")
        for kid, key in self.keys.items():
            _check_id(kid)
            if len(key) != _KEY_BYTES:
                raise KeyConfigError(f"data key {kid!r} must be {_KEY_BYTES} bytes, got {len(key)}")


def _check_id(kid: str) -> None:
    if not (1 <= len(kid) <= 64 and kid.isascii() and all(c.isalnum() or c in "-_" for c in kid)):
        raise KeyConfigError(f"bad data key id {kid!r}: use 1-64 letters, digits, - or _")


def new_key_id() -> str:
    """A fresh key id: UTC date and time plus a random suffix (``k20261130T1722-3fa9``)."""
    return f"k{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"


def _header(kid: str) -> bytes:
    raw = kid.encode("ascii")
    return MAGIC + bytes([len(raw)]) + raw


def encrypt(ring: Keyring, plaintext: bytes) -> bytes:
    """Seal ``plaintext`` with the ring's active key (fresh random 96-bit nonce)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = _header(ring.active_id)
    nonce = os.urandom(_NONCE_BYTES)
    return header + nonce + AESGCM(ring.keys[ring.active_id]).encrypt(nonce, plaintext, header)


def is_encrypted(blob: bytes) -> bool:
    """True if ``blob`` starts with the encryption header."""
    return blob[: len(MAGIC)] == MAGIC


def key_id_of(blob: bytes) -> str:
    """The key id in a blob's header (:class:`NotEncrypted` / :class:`StoredFileTampered`)."""
    if not is_encrypted(blob):
        raise NotEncrypted("the stored file is not encrypted (no encryption header)")
    n = blob[len(MAGIC)] if len(blob) > len(MAGIC) else 0
    kid_raw = blob[len(MAGIC) + 1 : len(MAGIC) + 1 + n]
    if n == 0 or len(kid_raw) != n or len(blob) < len(MAGIC) + 1 + n + _NONCE_BYTES + _TAG_BYTES:
        raise StoredFileTampered("the stored file is truncated (incomplete encryption header)")
    try:
        return kid_raw.decode("ascii")
    except UnicodeDecodeError:
        raise StoredFileTampered("the stored file has a corrupt encryption header") from None


def decrypt(ring: Keyring, blob: bytes) -> bytes:
    """Open a blob sealed by :func:`encrypt` with any key of the ring.

    Raises
    ------
    NotEncrypted
        No encryption header.
    UnknownDataKey
        The key id is not in the ring.
    StoredFileTampered
        The header, nonce, ciphertext or tag was altered or truncated.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    kid = key_id_of(blob)
    key = ring.keys.get(kid)
    if key is None:
        raise UnknownDataKey(
            f"the stored file was sealed with data key {kid!r}, which is not configured "
            "(was it removed before `storefront rotate-key` finished?)"
        )
    start = len(MAGIC) + 1 + len(kid)
    nonce = blob[start : start + _NONCE_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, blob[start + _NONCE_BYTES :], blob[:start])
    except InvalidTag:
        raise StoredFileTampered(
            "the stored file failed its integrity check (it was altered or truncated)"
        ) from None


def read_decrypted(ring: Keyring, path: str | os.PathLike[str]) -> bytes:
    """Read and decrypt one stored file (``.part`` record files are joined)."""
    p = Path(path)
    if p.suffix == ".part":
        return b"".join(read_records(ring, p))
    return decrypt(ring, p.read_bytes())


# --- record files (chunked uploads) ----------------------------------------------------------


def _walk_records(fh: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(file offset, blob) of every complete record; stops at a torn tail."""
    pos = 0
    while True:
        head = fh.read(_LEN.size)
        if len(head) < _LEN.size:
            return
        (n,) = _LEN.unpack(head)
        blob = fh.read(n)
        if len(blob) < n:
            return
        yield pos, blob
        pos += _LEN.size + n


def _plain_len(blob: bytes) -> int:
    return len(blob) - len(MAGIC) - 1 - len(key_id_of(blob)) - _NONCE_BYTES - _TAG_BYTES


def append_record(ring: Keyring, fh: BinaryIO, plain_offset: int, data: bytes) -> None:
    """Write ``data`` as the record that starts at plaintext offset ``plain_offset``.

    Records after that offset (a chunk written whose acknowledgement was lost, a torn write)
    are cut off first, so a retried chunk is never kept twice. ``fh`` is opened ``r+b``
    unbuffered (``buffering=0``), so nothing is left to fail when it is closed.
    """
    fh.seek(0)
    plain = 0
    cut = 0
    for pos, blob in _walk_records(fh):
        if plain >= plain_offset:
            break
        plain += _plain_len(blob)
        cut = pos + _LEN.size + len(blob)
    if plain != plain_offset:
        raise StoredFileTampered(
            f"the upload's stored chunks hold {plain} bytes, not the {plain_offset} recorded"
        )
    fh.truncate(cut)
    fh.seek(cut)
    blob = encrypt(ring, data)
    record = memoryview(_LEN.pack(len(blob)) + blob)
    try:
        while record:  # an unbuffered file may take part of it; a full disk then raises
            n = fh.write(record)
            if not n:
                raise OSError(errno.ENOSPC, "no space left for the chunk")
            record = record[n:]
        fh.flush()
    except OSError:
        fh.truncate(cut)  # the chunk is not half-kept: resume from the same offset
        raise


def read_records(ring: Keyring, path: str | os.PathLike[str]) -> list[bytes]:
    """The decrypted chunks of a record file, in order."""
    with open(path, "rb") as fh:
        return [decrypt(ring, blob) for _pos, blob in _walk_records(fh)]


# --- key ring -----------------------------------------------------------------------------------


def _b64key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip() + "=" * (-len(text.strip()) % 4), altchars=b"-_")
    except (binascii.Error, ValueError):
        raise KeyConfigError(f"{where}: the key is not base64") from None
    if len(key) != _KEY_BYTES:
        raise KeyConfigError(f"{where}: a data key must be {_KEY_BYTES} bytes, got {len(key)}")
    return key


def _encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")


def parse_keys_env(text: str) -> Keyring:
    """Parse ``id:base64key[,id:base64key...]`` (first = active) into a :class:`Keyring`."""
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for n, item in enumerate(p for p in text.split(",") if p.strip()):
        kid, sep, b64 = item.strip().partition(":")
        if not sep:
            raise KeyConfigError(f"DATA_KEYS item {n + 1}: expected 'id:base64key'")
        _check_id(kid)
        if kid in keys:
            raise KeyConfigError(f"DATA_KEYS: key id {kid!r} appears twice")
        keys[kid] = _b64key(b64, f"DATA_KEYS key {kid!r}")
        order.append(kid)
    if not order:
        raise KeyConfigError("DATA_KEYS is set but holds no key")
    return Keyring(order[0], keys, source="env")


def _write_key_file(path: Path, ring: Keyring) -> None:
    """Replace the key file atomically (0600 temp file, fsync, rename)."""
    doc = {
        "active": ring.active_id,
        "keys": {kid: _encode_key(key) for kid, key in ring.keys.items()},
    }
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _read_key_file(path: Path) -> Keyring:
    try:
        doc = json.loads(path.read_text())
        keys = {str(k): _b64key(v, f"{path.name} key {k!r}") for k, v in doc["keys"].items()}
        return Keyring(str(doc["active"]), keys, source="file")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise KeyConfigError(f"{path}: not a data key file ({exc})") from None


def _create_key_file(path: Path) -> None:
    """Create the key file once with one random key (another process may win the race)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}.new")
    kid = new_key_id()
    doc = {"active": kid, "keys": {kid: _encode_key(secrets.token_bytes(_KEY_BYTES))}}
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if another process created it first: use theirs
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


_CACHE: dict[tuple[Any, ...], Keyring] = {}


def key_file_path(config: Mapping[str, Any]) -> Path:
    """The key file of this configuration (``DATA_KEY_FILE``)."""
    raw = config.get("DATA_KEY_FILE")
    if not raw:
        raise KeyConfigError("DATA_KEY_FILE is not configured")
    return Path(raw)


def keyring_for(config: Mapping[str, Any]) -> Keyring:
    """The key ring of a configuration: ``DATA_KEYS`` if set, else the key file (created once).

    The file is re-read when it changes (``storefront rotate-key`` in another process), so
    every worker seals new files with the new key as soon as it is written.
    """
    env = config.get("DATA_KEYS")
    if env:
        cache_key: tuple[Any, ...] = ("env", env)
        ring = _CACHE.get(cache_key)
        if ring is None:
            ring = _CACHE.setdefault(cache_key, parse_keys_env(str(env)))
        return ring
    path = key_file_path(config)
    try:
        st = path.stat()
    except FileNotFoundError:
        _create_key_file(path)
        st = path.stat()
    if st.st_mode & 0o077:
        os.chmod(path, _FILE_MODE)
    cache_key = ("file", str(path), st.st_mtime_ns, st.st_size, st.st_ino)
    ring = _CACHE.get(cache_key)
    if ring is None:
        ring = _CACHE.setdefault(cache_key, _read_key_file(path))
    return ring


# --- rotation -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RotationReport:
    """What :func:`reencrypt_tree` did: files re-sealed, already current, and refused."""

    active_id: str
    reencrypted: int
    encrypted_plaintext: int
    current: int
    failed: tuple[str, ...]
    key_ids_seen: tuple[str, ...]


def _stored_files(root: Path) -> Iterator[Path]:
    for p in sorted(root.rglob("*")):
        if p.is_file() and not p.name.startswith(".") and not p.is_symlink():
            yield p


def _rewrite(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _reseal_records(ring: Keyring, path: Path) -> tuple[bool, set[str]]:
    with open(path, "rb") as fh:
        blobs = [blob for _pos, blob in _walk_records(fh)]
    kids = {key_id_of(b) for b in blobs}
    if kids <= {ring.active_id}:
        return False, kids
    out = bytearray()
    for blob in blobs:
        new = encrypt(ring, decrypt(ring, blob))
        out += _LEN.pack(len(new)) + new
    _rewrite(path, bytes(out))
    return True, kids


def reencrypt_tree(ring: Keyring, root: str | os.PathLike[str]) -> RotationReport:
    """Re-seal every stored file under ``root`` with the ring's active key.

    Files sealed by another key of the ring are decrypted and sealed again (temp file 0600 +
    rename); files without the header (stored before encryption at rest) are encrypted; files
    already under the active key are left alone. A file that fails its integrity check is
    listed in ``failed`` and kept as it is.
    """
    counts = {"re": 0, "plain": 0, "current": 0}
    failed: list[str] = []
    seen: set[str] = set()
    base = Path(root)
    if not base.is_dir():
        return RotationReport(ring.active_id, 0, 0, 0, (), ())
    for path in _stored_files(base):
        rel = str(path.relative_to(base))
        try:
            if path.suffix == ".part":
                changed, kids = _reseal_records(ring, path)
                seen |= kids
                counts["re" if changed else "current"] += 1
                continue
            blob = path.read_bytes()
            if not is_encrypted(blob):
                _rewrite(path, encrypt(ring, blob))
                counts["plain"] += 1
                continue
            kid = key_id_of(blob)
            seen.add(kid)
            if kid == ring.active_id:
                counts["current"] += 1
                continue
            _rewrite(path, encrypt(ring, decrypt(ring, blob)))
            counts["re"] += 1
        except EncryptionError as exc:
            failed.append(f"{rel}: {exc}")
    return RotationReport(
        ring.active_id,
        counts["re"],
        counts["plain"],
        counts["current"],
        tuple(failed),
        tuple(sorted(seen)),
    )


def rotate_key_file(path: str | os.PathLike[str]) -> Keyring:
    """Add a new active key to the key file (old keys stay until :func:`drop_old_keys`)."""
    p = Path(path)
    old = _read_key_file(p) if p.exists() else None
    kid = new_key_id()
    keys = dict(old.keys) if old is not None else {}
    keys[kid] = secrets.token_bytes(_KEY_BYTES)
    ring = Keyring(kid, keys, "file")
    _write_key_file(p, ring)
    return ring


def drop_old_keys(path: str | os.PathLike[str]) -> Keyring:
    """Keep only the active key in the key file."""
    p = Path(path)
    ring = _read_key_file(p)
    new = Keyring(ring.active_id, {ring.active_id: ring.keys[ring.active_id]}, "file")
    _write_key_file(p, new)
    return new


def new_key_line() -> str:
    """A fresh ``id:base64key`` item for ``SHOESTREET_DATA_KEYS``."""
    return f"{new_key_id()}:{_encode_key(secrets.token_bytes(_KEY_BYTES))}"
