# Type stub of the C extension gait/insole/_rowhash.c (built by setup.py).
from typing import Any

def fold(h: Any, tables: tuple[Any, ...], /) -> None: ...  # uint64 (n,), float64 (n, k) tables
