"""PhysioNet WFDB footswitch records (``.hea`` or ``.hea-`` header, one file per signal).

Format 212 (two 12-bit samples in three bytes) or 16 (little-endian int16), decoded here.
Sides come from the signal description (``left-foot``/``right-foot``) or the file extension
(``.let``/``.rit``). ``-2048`` is WFDB's "invalid" code for format 212; in the gait databases
it also marks the negative rail during swing, so those samples are kept as the lowest value
(unloaded), not dropped, and counted in ``meta["wfdb_invalid_samples"]``. Data files must sit
beside the header (names that leave the folder are refused).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from gait.exceptions import RecordingReadError
from gait.insole._recording import FootSignal, Recording, as_side, check_dense
from gait.readers._textio import MAX_RATE_HZ, MIN_RATE_HZ, check_file_size

__all__ = ["WfdbHeader", "WfdbSignalSpec", "decode_format_212", "parse_wfdb_header", "read_wfdb"]

_WFDB_INVALID_212 = -2048


@dataclass(frozen=True)
class WfdbSignalSpec:
    """One signal line of a WFDB header.

    Parameters
    ----------
    file_name : str
        Data file, relative to the header.
    fmt : int
        Storage format (212 or 16 supported).
    gain_adu : float or None
        ADC units per physical unit (None when absent).
    adc_resolution_bits : int or None
        ADC resolution.
    adc_zero : int or None
        ADC zero.
    initial_value : int or None
        First sample, for checking.
    checksum : int or None
        16-bit sum of all samples, for checking.
    description : str
        Free text (``left-foot``...).
    """

    file_name: str
    fmt: int
    gain_adu: float | None
    adc_resolution_bits: int | None
    adc_zero: int | None
    initial_value: int | None
    checksum: int | None
    description: str


@dataclass(frozen=True)
class WfdbHeader:
    """A parsed WFDB header.

    Parameters
    ----------
    record_name : str
        Record name.
    sampling_rate_hz : float
        Sampling frequency.
    n_samples : int or None
        Samples per signal (absent in ``.hea-`` headers).
    signals : tuple of WfdbSignalSpec
        One per signal.
    """

    record_name: str
    sampling_rate_hz: float
    n_samples: int | None
    signals: tuple[WfdbSignalSpec, ...]


def _int_or_none(tok: str | None) -> int | None:
    if tok is None:
        return None
    try:
        return int(tok)
    except ValueError:
        return None


def parse_wfdb_header(text: str, source: str = "<header>") -> WfdbHeader:
    """Parse the text of a WFDB ``.hea`` (or short ``.hea-``) header.

    Parameters
    ----------
    text : str
        Header contents (CRLF or LF line ends; ``#`` comment lines allowed).
    source : str
        Name used in error messages.

    Returns
    -------
    WfdbHeader

    Raises
    ------
    RecordingReadError
        When the record or a signal line is malformed.
    """
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines:
        raise RecordingReadError(f"{source}: empty WFDB header")
    rec = lines[0].split()
    if len(rec) < 2:
        raise RecordingReadError(f"{source}: bad WFDB record line {lines[0]!r}")
    name = rec[0].split("/")[0]
    try:
        n_sig = int(rec[1])
        fs = float(rec[2].split("/")[0]) if len(rec) > 2 else 250.0
        n_samples = int(rec[3]) if len(rec) > 3 else None
    except ValueError:
        raise RecordingReadError(f"{source}: bad WFDB record line {lines[0]!r}") from None
    if n_sig < 1 or fs <= 0:
        raise RecordingReadError(f"{source}: record line needs >= 1 signal and a positive rate")
    sig_lines = lines[1 : 1 + n_sig]
    if len(sig_lines) != n_sig:
        raise RecordingReadError(
            f"{source}: header announces {n_sig} signals but has {len(sig_lines)} signal lines"
        )
    specs = []
    for ln in sig_lines:
        tok = ln.split()
        if len(tok) < 2:
            raise RecordingReadError(f"{source}: bad WFDB signal line {ln!r}")
        fmt_tok = re.match(r"^(\d+)", tok[1])
        if fmt_tok is None:
            raise RecordingReadError(f"{source}: bad storage format in {ln!r}")
        gain = None
        if len(tok) > 2:
            m = re.match(r"^([-+0-9.eE]+)", tok[2])
            gain = float(m.group(1)) if m else None
        specs.append(
            WfdbSignalSpec(
                file_name=tok[0],
                fmt=int(fmt_tok.group(1)),
                gain_adu=gain,
                adc_resolution_bits=_int_or_none(tok[3] if len(tok) > 3 else None),
                adc_zero=_int_or_none(tok[4] if len(tok) > 4 else None),
                initial_value=_int_or_none(tok[5] if len(tok) > 5 else None),
                checksum=_int_or_none(tok[6] if len(tok) > 6 else None),
                description=" ".join(tok[8:]) if len(tok) > 8 else "",
            )
        )
    return WfdbHeader(name, fs, n_samples, tuple(specs))


def decode_format_212(raw: bytes | NDArray[np.uint8]) -> NDArray[np.int16]:
    """Decode WFDB format 212: two 12-bit two's-complement samples per three bytes.

    Parameters
    ----------
    raw : bytes or (3m,) uint8
        The data file contents (one signal). A trailing incomplete byte group is an error.

    Returns
    -------
    (2m,) int16
        Digital samples in -2048..2047.

    Raises
    ------
    RecordingReadError
        When the length is not a multiple of three.
    """
    b = (
        np.frombuffer(raw, dtype=np.uint8)
        if isinstance(raw, bytes | bytearray)
        else np.asarray(raw, np.uint8)
    )
    if b.size % 3:
        raise RecordingReadError(
            f"format 212 data length {b.size} is not a multiple of 3 bytes (truncated file?)"
        )
    b = b.reshape(-1, 3).astype(np.int16)
    s0 = b[:, 0] | ((b[:, 1] & 0x0F) << 8)
    s1 = b[:, 2] | ((b[:, 1] & 0xF0) << 4)
    out = np.empty(2 * b.shape[0], dtype=np.int16)
    out[0::2] = s0
    out[1::2] = s1
    out[out > 2047] -= 4096
    return out


def _wfdb_paths(path: Path) -> tuple[Path, Path]:
    """(header path, directory) for a ``.hea``/``.hea-``/data-file/record-name path."""
    suffix = path.suffix.lower()
    if suffix in (".hea", ".hea-"):
        return path, path.parent
    base = path.with_suffix("") if suffix in (".let", ".rit", ".dat") else path
    for cand in (base.with_name(base.name + ".hea"), base.with_name(base.name + ".hea-")):
        if cand.is_file():
            return cand, cand.parent
    raise RecordingReadError(f"{path}: no WFDB header ({base.name}.hea or .hea-) found")


#: Largest WFDB header accepted (bytes); real ones are a few hundred.
_MAX_HEADER_BYTES = 1 << 16
#: Largest WFDB signal accepted (samples): 48 h at 300 Hz.
_MAX_WFDB_SAMPLES = 48 * 3600 * 300


def _confined(folder: Path, name: str, hea: Path) -> Path:
    """``folder / name`` if ``name`` is a plain file name inside the record's folder.

    WFDB headers name their data files; a name with a directory part, an absolute path or
    a symbolic link that leaves the folder is refused, so a header cannot make the reader
    open any other file on the machine.
    """
    if (
        not name
        or name in (".", "..")
        or "/" in name
        or "\\" in name
        or "\x00" in name
        or Path(name).is_absolute()
        or Path(name).name != name
    ):
        raise RecordingReadError(
            f"{hea}: data file name {name!r} in the header is not a plain file name in the "
            "record's folder: refused"
        )
    target = folder / name
    try:
        resolved = target.resolve()
        inside = resolved.parent == folder.resolve()
    except OSError:
        inside = False
    if not inside:
        raise RecordingReadError(
            f"{hea}: data file {name!r} resolves outside the record's folder: refused"
        )
    return target


def _read_signal(
    hea: Path, folder: Path, spec: WfdbSignalSpec, n_samples: int | None
) -> np.ndarray:
    """The samples of one signal file (format 212 or 16), checked against the header."""
    data_path = _confined(folder, spec.file_name, hea)
    if not data_path.is_file():
        raise RecordingReadError(
            f"{hea}: data file {spec.file_name!r} named in the header is missing"
        )
    bytes_per = 1.5 if spec.fmt == 212 else 2.0
    limit = (
        int(np.ceil(n_samples * bytes_per)) + 3
        if n_samples is not None
        else int(_MAX_WFDB_SAMPLES * bytes_per)
    )
    check_file_size(data_path, max(limit, 3), f"WFDB format {spec.fmt} signal")
    raw = data_path.read_bytes()
    if spec.fmt == 212:
        samples = decode_format_212(raw)
    elif spec.fmt == 16:
        if len(raw) % 2:
            raise RecordingReadError(f"{data_path}: format 16 data has an odd number of bytes")
        samples = np.frombuffer(raw, dtype="<i2").copy()
    else:
        raise RecordingReadError(
            f"{hea}: WFDB storage format {spec.fmt} is not supported (212 and 16 are)"
        )
    if n_samples is not None:
        if samples.size < n_samples:
            raise RecordingReadError(
                f"{data_path}: truncated: {samples.size} samples, header says {n_samples}"
            )
        samples = samples[:n_samples]
    if spec.checksum is not None and n_samples is not None:
        csum = int(np.sum(samples, dtype=np.int64)) & 0xFFFF
        if csum >= 0x8000:
            csum -= 0x10000
        want = spec.checksum if spec.checksum < 0x8000 else spec.checksum - 0x10000
        if csum != want:
            raise RecordingReadError(
                f"{data_path}: checksum mismatch (data {csum}, header {spec.checksum}): corrupt file"
            )
    return samples


def _signal_side(spec: WfdbSignalSpec, i: int) -> str:
    """The foot of signal ``i``: from its description or file extension, else its order."""
    desc = (spec.description + " " + spec.file_name).lower()
    if "left" in desc or spec.file_name.lower().endswith(".let"):
        return "left"
    elif "right" in desc or spec.file_name.lower().endswith(".rit"):
        return "right"
    else:
        return "left" if i == 0 else "right"


def load_header(path: Path) -> tuple[Path, Path, WfdbHeader]:
    """Header path, record folder and parsed header of a WFDB record, within the limits.

    Raises
    ------
    RecordingReadError
        No header, a header too large or binary, an implausible rate or too many samples.
    """
    hea, folder = _wfdb_paths(path)
    if not hea.is_file():
        raise RecordingReadError(f"{hea}: WFDB header not found")
    check_file_size(hea, _MAX_HEADER_BYTES, "WFDB header")
    try:
        text = hea.read_bytes().decode("ascii", errors="replace")
    except OSError as exc:
        raise RecordingReadError(f"{hea}: cannot read header ({exc.strerror})") from None
    if "\x00" in text:
        raise RecordingReadError(f"{hea}: binary data (NUL bytes), not a WFDB header")
    header = parse_wfdb_header(text, str(hea))
    if not MIN_RATE_HZ <= header.sampling_rate_hz <= MAX_RATE_HZ:
        raise RecordingReadError(
            f"{hea}: sampling rate {header.sampling_rate_hz:g} Hz is not a plausible insole or "
            f"footswitch rate ({MIN_RATE_HZ:g}-{MAX_RATE_HZ:g} Hz)"
        )
    if header.n_samples is not None and header.n_samples > _MAX_WFDB_SAMPLES:
        raise RecordingReadError(
            f"{hea}: header announces {header.n_samples} samples per signal, more than the "
            f"{_MAX_WFDB_SAMPLES} accepted"
        )
    return hea, folder, header


def read_wfdb(path: str | Path) -> Recording:
    """Read a WFDB footswitch record (one signal per foot).

    Parameters
    ----------
    path : str or Path
        The ``.hea`` (or ``.hea-``) header, one of its data files, or the record path
        without extension.

    Returns
    -------
    Recording
        Values are digital ADC units, shape (n, 1) per foot; ``-2048`` kept as the rail.

    Raises
    ------
    RecordingReadError
        Missing header or data file, unsupported format, truncated data, checksum mismatch.
    """
    hea, folder, header = load_header(Path(path))
    if header.n_samples is not None:
        check_dense(header.n_samples, 2, header.sampling_rate_hz, str(hea))
    if len(header.signals) > 2:
        raise RecordingReadError(
            f"{hea}: expected one or two foot signals, header has {len(header.signals)}"
        )
    feet: dict[str, FootSignal] = {}
    invalid_counts: dict[str, int] = {}
    lengths = []
    for i, spec in enumerate(header.signals):
        samples = _read_signal(hea, folder, spec, header.n_samples)
        side = _signal_side(spec, i)
        if side in feet:
            raise RecordingReadError(f"{hea}: two signals for the {side} foot")
        invalid_counts[side] = (
            int(np.count_nonzero(samples == _WFDB_INVALID_212)) if spec.fmt == 212 else 0
        )
        values = samples.astype(np.float64)[:, None]
        feet[side] = FootSignal(
            side=as_side(side), values=values, valid=np.ones(samples.size, dtype=bool)
        )
        lengths.append(samples.size)
    if len(set(lengths)) > 1:
        n = min(lengths)
        feet = {
            s: FootSignal(
                side=as_side(s),
                values=f.values[:n],
                valid=f.valid[:n] if f.valid is not None else None,
            )
            for s, f in feet.items()
        }
    return Recording(
        sampling_rate_hz=header.sampling_rate_hz,
        left=feet.get("left"),
        right=feet.get("right"),
        source=str(hea),
        format="wfdb",
        meta={
            "record": header.record_name,
            "wfdb_invalid_samples": invalid_counts,
            "units": "adu",
        },
    )
