"""Plain JSON values for the database's JSON columns."""

from __future__ import annotations

from typing import Any

__all__ = ["to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """numpy scalars and arrays (nested in dicts, lists, tuples) -> plain JSON types.

    Parameters
    ----------
    obj : object
        A result from footscan or gait (``to_dict()`` output).

    Returns
    -------
    object
        The same structure with ``str`` keys, lists for arrays and Python scalars.
    """
    import numpy as np

    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
