"""The plain decimal parser (C): Python's own ``float`` is the truth for every value it takes,
and everything else is refused (the piece then goes to Arrow and numpy, as before)."""

from __future__ import annotations

import numpy as np
import pytest

from gait.readers import _plain

pytestmark = pytest.mark.skipif(
    not _plain.plain_available(), reason="the C extension is not built (no C compiler)"
)


def test_the_extension_is_built_where_the_project_is_set_up() -> None:
    """scripts/setup.sh installs a C compiler, so the test command always runs the C path."""
    assert _plain.plain_available()


def _parse(text: str, n_fields: int, decimal: str = ".", delimiter: str = ",", rows: int = 0):
    """Every field into one (rows, n_fields) array; None when refused."""
    parser = _plain.PlainParser(n_fields, delimiter, decimal, tuple(range(n_fields)),
                                (tuple(range(n_fields)),))  # fmt: skip
    got = parser.blocks(text.encode("ascii"), rows or text.count("\n") + 1)
    if got is None:
        return None
    return got[0][0] if got else np.zeros((0, n_fields))


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def _decimal_strings(rng: np.random.Generator, n: int) -> list[str]:
    """Plain decimals of every length the parser takes: 1-15 integer digits, 0-22 fraction
    digits within 19 digits in all, leading zeros, signs."""
    out = []
    for _ in range(n):
        n_int = int(rng.integers(1, 16))
        n_frac = int(rng.integers(0, min(22, 19 - n_int) + 1))
        digits = "".join(rng.choice(list("0123456789"), n_int + n_frac))
        sign = "-" if rng.random() < 0.4 else ""
        s = sign + digits[:n_int] + ("." + digits[n_int:] if n_frac else "")
        if int(digits) <= 2**53:
            out.append(s)
    return out


def test_values_are_pythons_floats_bit_for_bit() -> None:
    rng = np.random.default_rng(11)
    fields = _decimal_strings(rng, 60_000)
    fields += ["0", "-0", "0.0", "-0.00", "6.50", "-0.196777", "9007199254740992",
               "900719925474099.2", "0.0000000000000000000001", "1.797693134862315", "0.1",
               "0.3", "123456789012345.6", "00000000000000000001"]  # fmt: skip
    k = 8
    fields += ["0"] * (-len(fields) % k)
    text = "\n".join(",".join(fields[i : i + k]) for i in range(0, len(fields), k)) + "\n"
    got = _parse(text, k)
    assert got is not None
    want = np.array([float(f) for f in fields]).reshape(-1, k)
    assert _same_bits(got, want)
    # the sign of zero survives (-0.0 and 0.0 differ in their bits)
    assert np.signbit(got.ravel()[fields.index("-0")])


@pytest.mark.parametrize(
    "field",
    ["1e5", "1E-3", " 1.5", "1.5 ", "+1", ".5", "5.", "nan", "NaN", "inf", "-inf", "0x10",
     "1,5", "--1", "-", "1.2.3", "1.5\r", "abc", "9007199254740993", "12345678901234567890",
     "0.12345678901234567890", "1.00000000000000000000001", "1.7976931348623157"],
)  # fmt: skip
def test_what_is_not_a_plain_decimal_is_refused(field: str) -> None:
    ok = "1.5,2.5,3\n" * 40
    assert _parse(ok + f"1.5,{field},3\n" + ok, 3) is None
    assert _parse(ok, 3) is not None


@pytest.mark.parametrize("row", ["1.5,2.5", "1.5,2.5,3,4", "1.5", "1.5,2.5,3,", ","])
def test_rows_with_another_field_count_are_refused(row: str) -> None:
    ok = "1.5,2.5,3\n" * 10
    assert _parse(ok + row + "\n" + ok, 3) is None


def test_empty_fields_are_nan_and_empty_lines_are_skipped() -> None:
    got = _parse("1,,3\n\n,2,\n\n\n4,5,6", 3)  # no line end after the last row
    assert got is not None
    want = np.array([[1, np.nan, 3], [np.nan, 2, np.nan], [4, 5, 6]])
    assert np.array_equal(got, want, equal_nan=True)
    assert _parse("\n\n", 3) is not None and _parse("\n\n", 3).shape == (0, 3)


def test_decimal_comma_and_tab_separator() -> None:
    got = _parse("0,01\t-6,25\t\n0,02\t7\t1,5\n", 3, decimal=",", delimiter="\t")
    assert got is not None
    assert np.array_equal(got, np.array([[0.01, -6.25, np.nan], [0.02, 7.0, 1.5]]), equal_nan=True)
    assert _parse("0.01\t1\t2\n", 3, decimal=",", delimiter="\t") is None  # a '.' is refused


def test_more_rows_than_room_is_refused() -> None:
    assert _parse("1,2\n3,4\n5,6\n", 2, rows=2) is None
    assert _parse("1,2\n3,4\n5,6\n", 2, rows=3) is not None


def test_fields_not_asked_for_are_skipped_unread_and_groups_are_filled() -> None:
    # field 3 holds text (an event label in a vendor export): never looked at
    text = "0.01,1,2,heel strike,3\n0.02,4,5,,6\n"
    parser = _plain.PlainParser(5, ",", ".", (0, 1, 2, 4), ((0,), (3, 1)))
    got = parser.blocks(text.encode(), 3)
    assert got is not None and len(got) == 1
    time_s, cells = got[0]
    assert time_s.flags.c_contiguous and cells.flags.c_contiguous
    assert np.array_equal(time_s, [[0.01], [0.02]])
    assert np.array_equal(cells, [[3.0, 1.0], [6.0, 4.0]])


def test_bad_arguments_raise_instead_of_writing_out_of_bounds() -> None:
    from gait.readers import _decimals

    group = np.zeros(2, np.int32).tobytes()
    col = np.array([0, 1], np.int32).tobytes()
    with pytest.raises(ValueError, match="outside"):
        _decimals.parse(b"1,2\n", 44, 46, group, col, 1, (np.empty((1, 1)),))
    with pytest.raises(ValueError, match="max_rows, k"):
        _decimals.parse(b"1,2\n", 44, 46, group, col, 2, (np.empty((3, 2)),))
    with pytest.raises(ValueError, match="field maps"):
        _decimals.parse(b"1,2\n", 44, 46, group, col[:4], 1, (np.empty((1, 2)),))
    with pytest.raises((BufferError, TypeError, ValueError)):
        _decimals.parse(b"1,2\n", 44, 46, group, col, 1, (np.empty((1, 2))[:, ::-1],))
    read_only = np.empty((1, 2))
    read_only.flags.writeable = False
    with pytest.raises((BufferError, TypeError, ValueError)):
        _decimals.parse(b"1,2\n", 44, 46, group, col, 1, (read_only,))


def test_the_plain_parser_is_not_made_for_tables_it_cannot_take(tmp_path) -> None:
    from gait.readers._textio import open_table

    p = tmp_path / "t.csv"
    p.write_text("time_s,a,b\n0.01,1,2\n0.02,3,4\n")
    table = open_table(p)
    assert _plain.plain_parser(table, (0, 1, 2), ((0,), (1, 2))) is not None
    assert _plain.plain_parser(table, (0, 1, 2), ((0, 1), (1, 2))) is None  # a field twice
    assert _plain.plain_parser(table, (0, 1, 5), ((0,), (1, 2))) is None  # no such field


def test_a_piece_of_empty_lines_does_not_size_the_arrays_by_its_lines() -> None:
    """2 MB of line ends (a damaged or hostile file) must not become 2 million rows of room."""
    import tracemalloc

    parser = _plain.PlainParser(53, "\t", ".", tuple(range(45)), (tuple(range(45)),))
    body = b"\n" * 2_000_000 + b"\t" * 52 + b"\n"
    tracemalloc.start()
    try:
        got = parser.blocks(body, body.count(b"\n") + 1)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got is not None and got[0][0].shape == (1, 45) and np.isnan(got[0][0]).all()
    assert peak < 20e6  # 2 million rows of 45 float64 would be 720 MB
