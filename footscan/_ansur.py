"""ANSUR II foot dimensions: a multivariate Gaussian per sex, and sampling from it.

The fitted statistics live in ``assets/ansur/foot_stats.json`` (written by
``python -m footscan._demo_assets`` from the public ANSUR II CSVs), so the product needs no
CSV at run time. Source: ANSUR II, US Army Natick Soldier Research, Development and
Engineering Center (2012 survey; public release).
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from footscan._find import assets_dir
from footscan.exceptions import FootscanError

__all__ = [
    "ANSUR_FOOT_COLUMNS",
    "fit_foot_stats",
    "load_foot_stats",
    "sample_foot_targets",
]

#: ANSUR II column -> our field name (all in mm).
ANSUR_FOOT_COLUMNS: dict[str, str] = {
    "footlength": "foot_length_mm",
    "footbreadthhorizontal": "foot_breadth_mm",
    "balloffootcircumference": "ball_girth_mm",
    "heelbreadth": "heel_breadth_mm",
    "balloffootlength": "ball_length_mm",
}
_FILES = {"male": "ANSUR_II_MALE_Public.csv", "female": "ANSUR_II_FEMALE_Public.csv"}
# Samples beyond this many standard deviations (Mahalanobis) are redrawn: ANSUR is a
# healthy adult population, and the synthetic feet should stay inside it.
_MAX_MAHALANOBIS = 3.0


def fit_foot_stats(ansur_dir: str | Path) -> dict[str, dict[str, object]]:
    """Fit mean and covariance of the five foot columns, per sex.

    Parameters
    ----------
    ansur_dir : path-like
        Folder with ``ANSUR_II_MALE_Public.csv`` and ``ANSUR_II_FEMALE_Public.csv``.

    Returns
    -------
    dict
        ``{"male": {"fields": [...], "mean_mm": [5], "cov_mm2": [[5x5]], "n": int}, "female": ...}``.
    """
    out: dict[str, dict[str, object]] = {}
    for sex, fname in _FILES.items():
        with (Path(ansur_dir) / fname).open(encoding="latin-1", newline="") as fh:
            rows = list(csv.DictReader(fh))
        data = np.array(
            [[float(r[col]) for col in ANSUR_FOOT_COLUMNS] for r in rows], dtype=np.float64
        )
        out[sex] = {
            "fields": list(ANSUR_FOOT_COLUMNS.values()),
            "mean_mm": data.mean(axis=0).round(4).tolist(),
            "cov_mm2": np.cov(data, rowvar=False).round(4).tolist(),
            "n": int(data.shape[0]),
        }
    return out


@lru_cache(maxsize=1)
def load_foot_stats() -> dict[str, dict[str, object]]:
    """The bundled per-sex statistics from ``assets/ansur/foot_stats.json``."""
    path = assets_dir() / "ansur" / "foot_stats.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))["stats"]
    except (OSError, ValueError, KeyError) as exc:
        raise FootscanError(f"bundled ANSUR statistics unreadable at {path}: {exc}") from None


def sample_foot_targets(
    rng: np.random.Generator, sex: str, stats: dict[str, dict[str, object]] | None = None
) -> dict[str, float]:
    """Draw one plausible adult foot from the ANSUR II Gaussian of ``sex``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    sex : {"male", "female"}
    stats : dict, optional
        As returned by :func:`fit_foot_stats`; defaults to the bundled statistics.

    Returns
    -------
    dict
        ``foot_length_mm``, ``foot_breadth_mm``, ``ball_girth_mm``, ``heel_breadth_mm``,
        ``ball_length_mm`` (floats, mm).
    """
    st = (stats or load_foot_stats())[sex]
    mean: NDArray[np.float64] = np.asarray(st["mean_mm"], dtype=np.float64)
    cov: NDArray[np.float64] = np.asarray(st["cov_mm2"], dtype=np.float64)
    chol = np.linalg.cholesky(cov)
    for _ in range(100):
        z = rng.standard_normal(mean.shape[0])
        if np.linalg.norm(z) <= _MAX_MAHALANOBIS:
            break
    else:  # practically unreachable (P(|z| > 3) in 5-D is ~8 %)
        z = z / float(np.linalg.norm(z)) * _MAX_MAHALANOBIS
    x = mean + chol @ z
    names = [str(n) for n in st["fields"]]  # type: ignore[attr-defined]
    return {name: float(val) for name, val in zip(names, x)}
