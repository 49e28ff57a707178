"""The Arrow path of the text reader gives what the numpy path gives: values and errors."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pytest

from gait.exceptions import RecordingReadError
from gait.readers import _plain, _textio
from gait.readers._textio import iter_blocks, iter_group_blocks, open_table

pytest.importorskip("pyarrow")


def _read(path: Path, usecols: tuple[int, ...] | None, block_rows: int) -> object:
    try:
        table = open_table(path)
        return [b.copy() for b in iter_blocks(table, block_rows, usecols)]
    except RecordingReadError as exc:
        return str(exc)


def _both(path: Path, usecols: tuple[int, ...] | None = None, block_rows: int = 64):
    """Blocks of ``path`` by the fast path and by the numpy path (or the errors raised).

    The fast path is read twice, with the plain decimal parser and with Arrow alone, and
    those two must agree before the fast path's result is returned.
    """
    with pytest.MonkeyPatch.context() as mp:
        plain = _read(path, usecols, block_rows)
        mp.setattr(_plain, "_decimals", None)
        arrow = _read(path, usecols, block_rows)
        mp.setattr(_textio, "fast_path_available", lambda table: False)
        numpy_path = _read(path, usecols, block_rows)
    _same(plain, arrow)
    return plain, numpy_path


def _same(a: object, b: object) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert isinstance(a, list) and isinstance(b, list)
    x = np.concatenate(a) if a else np.zeros((0, 0))
    y = np.concatenate(b) if b else np.zeros((0, 0))
    assert x.shape == y.shape
    # Bit for bit, NaN where NaN.
    assert np.array_equal(x.view(np.int64) * ~np.isnan(x), y.view(np.int64) * ~np.isnan(y))
    assert np.array_equal(np.isnan(x), np.isnan(y))


def _table(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    v = rng.normal(0, 50, (n, k)) * 10.0 ** rng.integers(-3, 4, (n, k))
    v[rng.random((n, k)) < 0.05] = np.nan
    v[:, 0] = np.arange(n) / 100
    return v


def _fmt(v: float, decimal: str) -> str:
    if v != v:
        return ""
    s = repr(float(v)) if abs(v) > 1e-3 else f"{v:.6e}"
    return s.replace(".", decimal)


@pytest.mark.parametrize(
    "sep,decimal,newline,encoding,bom",
    [
        (",", ".", "\n", "utf-8", False),
        ("\t", ".", "\r\n", "utf-8", True),
        (";", ",", "\n", "latin-1", False),
        ("\t", ",", "\r", "utf-8", False),
        (";", ".", "\r\n", "utf-8", True),
    ],
)
def test_arrow_path_values_equal_numpy_path(tmp_path, sep, decimal, newline, encoding, bom):
    rng = np.random.default_rng(len(sep + decimal + newline))
    v = _table(rng, 3000, 7)
    lines = ["# units=N", "# comment é" if encoding == "latin-1" else "# angular rate [°/s]",
             sep.join(["time_s"] + [f"c{i}" for i in range(1, 7)])]  # fmt: skip
    for i, row in enumerate(v):
        lines.append(sep.join(_fmt(x, decimal) for x in row))
        if i % 700 == 5:
            lines.append("")  # blank lines inside the data
    text = newline.join(lines) + newline
    p = tmp_path / "t.csv"
    p.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    a, b = _both(p)
    _same(a, b)
    a, b = _both(p, usecols=(0, 2, 5))
    _same(a, b)


@pytest.mark.parametrize(
    "bad",
    ["1.5,abc,3", "1.5,2.5", "1.5,2.5,3,4", "1.5,\"2\",3", "1.5,2 # note,3", "1.5,2,0x10",
     "1.5,NA,3", "1.5,null,3", "1.5,1e,3", "  ", "1.5,2\xe9,3"],
)  # fmt: skip
def test_arrow_path_refuses_what_numpy_refuses(tmp_path, bad):
    rows = [f"{i / 100:.2f},{i % 7}.5,{i}" for i in range(5000)]
    rows[3217] = bad
    p = tmp_path / "bad.csv"
    p.write_bytes(("time_s,a,b\n" + "\n".join(rows) + "\n").encode("latin-1"))
    a, b = _both(p)
    _same(a, b)


def test_arrow_path_invalid_utf8_is_the_same_error(tmp_path):
    rows = [f"{i / 100:.2f},{i % 7}.5,{i}" for i in range(200_000)]
    p = tmp_path / "bad.csv"
    p.write_bytes(("time_s,a,b\n" + "\n".join(rows) + "\n").encode() + b"1.0,\xff\xfe,2\n")
    a, b = _both(p, block_rows=65_536)
    assert isinstance(a, str) and a == b and "not valid utf-8" in a


def test_leading_comment_that_is_not_utf8_is_the_same_error(tmp_path):
    """The Arrow path skips a piece's leading comment lines but still checks them as text."""
    rows = [f"{i / 100:.2f},{i % 7}.5,{i}" for i in range(3000)]
    p = tmp_path / "bad.csv"
    p.write_bytes(b"# unit \xb0/s, fine\ntime_s,a,b\n" + "\n".join(rows).encode() + b"\n")
    ok = tmp_path / "ok.csv"
    ok.write_bytes("# unit °/s\ntime_s,a,b\n".encode() + "\n".join(rows).encode() + b"\n")
    for path in (p, ok):
        a, b = _both(path, block_rows=65_536)
        _same(a, b)


@pytest.mark.parametrize("fast", [True, False])
def test_blocks_split_by_column_groups_are_the_columns_of_the_blocks(tmp_path, fast):
    rng = np.random.default_rng(7)
    v = _table(rng, 20_000, 9)
    p = tmp_path / "g.csv"
    p.write_text(
        "time_s," + ",".join(f"c{i}" for i in range(1, 9)) + "\n"
        + "\n".join(",".join(_fmt(x, ".") for x in row) for row in v) + "\n"
    )  # fmt: skip
    usecols = (0, 1, 2, 3, 5, 6, 8)
    groups = ((0,), (1, 2, 3), (4, 6), (5,))  # indices into usecols, one not a run
    orig = _textio.fast_path_available
    if not fast:
        _textio.fast_path_available = lambda table: False  # type: ignore[assignment]
    try:
        table = open_table(p)
        whole = np.concatenate([b.copy() for b in iter_blocks(table, 512, usecols)])
        split = list(iter_group_blocks(table, groups, 512, usecols))
    finally:
        _textio.fast_path_available = orig  # type: ignore[assignment]
    assert all(len(b) == len(groups) for b in split)
    for gi, g in enumerate(groups):
        got = np.concatenate([b[gi] for b in split])
        assert all(b[gi].flags.c_contiguous and b[gi].dtype == np.float64 for b in split)
        want = whole[:, list(g)]
        assert got.shape == want.shape
        assert np.array_equal(got, want, equal_nan=True)
    # The time column, value for value against the file's (an independent route: the text).
    assert np.allclose(np.concatenate([b[0][:, 0] for b in split]), v[:, 0])


def _parser_threads() -> list[str]:
    import threading

    return [t.name for t in threading.enumerate() if t.name == "gait-csv"]


def test_parsing_thread_stops_when_the_reader_is_left_early(tmp_path):
    """A caller that stops after one block (an error in its own work) leaves no thread behind."""
    rows = [f"{i / 100:.2f},{i % 7}.5,{i}" for i in range(400_000)]
    p = tmp_path / "long.csv"
    p.write_text("time_s,a,b\n" + "\n".join(rows) + "\n")
    blocks = iter_blocks(open_table(p), 4096)
    first = next(blocks)
    assert first[0, 0] == 0.0 and _parser_threads() == ["gait-csv"]
    blocks.close()
    assert _parser_threads() == []


def test_error_on_the_parsing_thread_is_raised_in_order(tmp_path):
    """Blocks before a bad row arrive first; the error then reaches the caller's thread."""
    rows = [f"{i / 100:.2f},{i % 7}.5,{i}" for i in range(300_000)]
    rows[250_000] = "2500.00,x,1"
    p = tmp_path / "bad_late.csv"
    p.write_text("time_s,a,b\n" + "\n".join(rows) + "\n")
    got = 0
    with pytest.raises(RecordingReadError, match="line 250002"):
        for blk in iter_blocks(open_table(p), 4096):
            got += blk.shape[0]
    assert got >= 200_000  # every earlier piece was delivered before the error
    assert _parser_threads() == []


@pytest.mark.parametrize("sep,decimal", [("\t", "."), (";", ","), (",", ".")])
def test_plain_decimal_pieces_take_the_c_parser_and_give_numpys_values(
    tmp_path, monkeypatch, sep, decimal
):
    """A vendor-style export (fixed decimals, empty fields, a text column never read): every
    piece by the C parser but one that holds an exponent, which Arrow reads."""
    if not _plain.plain_available():
        pytest.skip("the C extension is not built")
    rng = np.random.default_rng(5)
    v = np.round(rng.normal(0, 40, (60_000, 6)), int(rng.integers(0, 7)))
    v[rng.random(v.shape) < 0.03] = np.nan
    v[:, 0] = np.arange(v.shape[0]) / 100
    v = np.vectorize(lambda x: float(f"{x:.6f}"))(v)  # the values the text holds
    lines = ["# vendor header", sep.join(["time", "a", "b", "c", "label", "d", "e"])]
    for i, row in enumerate(v):
        f = ["" if x != x else f"{x:.6f}".replace(".", decimal) for x in row]
        lines.append(sep.join([*f[:4], "step" if i % 97 == 0 else "", *f[4:]]))
    row = 30_000 - 2  # (two header lines)
    lines[30_000] = sep.join([f"299{decimal}98", "1e-3", *lines[30_000].split(sep)[2:]])
    p = tmp_path / "export.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    took = {"plain": 0, "refused": 0}
    blocks = _plain.PlainParser.blocks

    def spy(self, body, max_rows):
        got = blocks(self, body, max_rows)
        took["plain" if got is not None else "refused"] += 1
        return got

    monkeypatch.setattr(_plain.PlainParser, "blocks", spy)
    usecols = (0, 1, 2, 3, 5, 6)
    a, b = _both(p, usecols=usecols, block_rows=2048)  # pieces of ~115 kB
    _same(a, b)
    assert took["refused"] == 1 and took["plain"] > 20
    got = np.concatenate(a)
    assert got[row, 1] == 1e-3  # the exponent's piece, read by Arrow
    # against the values written (an independent route: the generator's numbers)
    assert np.array_equal(np.delete(got, row, axis=0), np.delete(v, row, axis=0), equal_nan=True)


def _normalised(data: bytes, bom: bool) -> bytes:
    """What the pieces must hold, by plain string operations on the whole file: the BOM
    removed, every line end ``\n``, the header line blanked (its ``\n`` kept)."""
    if bom:
        data = data[3:]
    text = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    head, _, rest = text.partition(b"\n")
    return b"\n" + rest if head else text


@pytest.mark.parametrize("line_end", [b"\n", b"\r\n", b"\r"])
@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("tail", [b"", b"\n", b"\n \n"])
def test_pieces_hold_the_file_once_with_its_lines(tmp_path, line_end, bom, tail):
    """The pieces, joined at their cuts, are the whole file (line ends made ``\n``, header
    blanked) for any piece size, also pieces shorter than a line and a ``\r\n`` split between
    two reads; their line counts add up to the file's, so line numbers stay right."""
    from types import SimpleNamespace

    from gait.readers._fastcsv import _pieces
    from gait.readers._plain import count_lines

    rng = np.random.default_rng(7)
    lines = [b"time,a,b"] + [
        b",".join(b"%d" % v for v in rng.integers(0, 10 ** rng.integers(1, 12), 3))
        for _ in range(40)
    ]
    lines[17] = b"9" * 300  # a line longer than most pieces
    data = (codecs.BOM_UTF8 if bom else b"") + line_end.join(lines) + tail
    p = tmp_path / "t.csv"
    p.write_bytes(data)
    want = _normalised(data, bom).rstrip()
    n_lines = want.count(b"\n") + 1
    table = SimpleNamespace(path=p, encoding="utf-8-sig" if bom else "utf-8", header_row=True)
    for chars in (1, 2, 3, 5, 8, 13, 64, 1000, 1 << 16):
        pieces = list(_pieces(table, chars))
        assert b"\n".join(pieces).rstrip() == want, chars
        assert all(b"\r" not in x for x in pieces)
        assert sum(count_lines(x) for x in pieces) - n_lines in (0, 1), chars  # a blank tail


def test_count_lines_counts_line_ends_of_any_buffer():
    from gait.readers._plain import count_lines

    for text in (b"", b"a", b"\n", b"a\nb", b"a\nb\n", b"\n" * 5000 + b"x"):
        want = text.count(b"\n") + 1
        assert count_lines(text) == want
        assert count_lines(memoryview(bytearray(text))) == want


def test_without_a_thread_the_pieces_are_parsed_here(tmp_path, monkeypatch):
    """Where no thread can start, the caller's thread parses the same pieces: the same blocks,
    and a bad row's error with its line number."""
    import threading

    class NoStart(threading.Thread):
        def start(self) -> None:
            raise RuntimeError("can't start new thread")

    rows = [f"{i / 100:.2f},{i % 7}.5,{i}" for i in range(30_000)]
    p = tmp_path / "t.csv"
    p.write_text("time_s,a,b\n" + "\n".join(rows) + "\n")
    want = _read(p, None, 4096)
    rows[25_000] = "250.00,x,1"
    bad = tmp_path / "bad.csv"
    bad.write_text("time_s,a,b\n" + "\n".join(rows) + "\n")
    monkeypatch.setattr(threading, "Thread", NoStart)
    _same(_read(p, None, 4096), want)
    with pytest.raises(RecordingReadError, match="line 25002"):
        for _ in iter_blocks(open_table(bad), 4096):
            pass
