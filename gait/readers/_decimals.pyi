# Type stub of the C extension gait/readers/_decimals.c (built by setup.py).
from typing import Any

from typing_extensions import Buffer

def parse(
    text: Buffer,
    delimiter: int,
    decimal: int,
    field_group: Buffer,
    field_col: Buffer,
    max_rows: int,
    outs: tuple[Any, ...],  # writable C-contiguous float64 (max_rows, k) arrays
    /,
) -> int: ...
def count_lines(text: Buffer, /) -> int: ...
