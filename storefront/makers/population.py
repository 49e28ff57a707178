"""A synthetic city population for demos, tests and benchmarks: SYNTHETIC, not real people.

Foot measurements are drawn from multivariate normal distributions fitted, per sex, to the
ANSUR II public survey (US Army, 2012; 4,082 men and 1,986 women, tape and caliper) for foot
length, ball width (``footbreadthhorizontal``), ball girth (``balloffootcircumference``) and
heel width (``heelbreadth``), so their correlations are the survey's. ANSUR has no instep
measurements; they are modelled here and are assumptions, not survey data:

* instep girth = ball girth + N(4, 7^2) mm (the instep girth of adult lasts runs a few mm
  above the ball girth);
* instep height (dorsal height at 50 % of foot length) = 0.25 x foot length + N(0, 4.5^2) mm.

Sex is female or male in equal shares with 1 % "other" (drawn from either); age bands follow an
adult city's shares; everyone lives in one region. ANSUR's people are young, fit military
adults with no children: this population is an adult city only. The shape coefficients of each
person are a draw of footscan's foot model conditioned on their six measurements
(:func:`storefront.makers.foot_model.coefficients_from_measurements`, spread ``COEFF_SPREAD_SD``):
people of the same measurements differ in the rest of their shape.

Nothing here is loaded by the application on its own: only the explicit
``storefront load-synthetic-city`` command writes it, and every row it writes is marked
synthetic (negative person ids).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from storefront.domain_errors import DomainError
from storefront.makers.schema import AGE_BANDS, MEASURES, REGIONS, SHAPE_COLUMNS
from storefront.makers.table import rows_to_arrow

__all__ = ["SyntheticCity", "ansur_dir", "synthetic_city", "MAX_PEOPLE"]

MAX_PEOPLE = 20_000_000
#: Prior spread (sd units) of the shape left free by the measurements.
COEFF_SPREAD_SD = 0.3
_ANSUR_COLUMNS = ("footlength", "footbreadthhorizontal", "balloffootcircumference", "heelbreadth")
_ADULT_AGE_SHARES = {"18-29": 0.20, "30-44": 0.27, "45-59": 0.27, "60-74": 0.18, "75+": 0.08}


def ansur_dir() -> Path:
    """Folder of the ANSUR II CSVs: ``$SHOESTREET_ANSUR_DIR``, else ``footscan/ansur2`` under
    ``$SHOESTREET_SHARED_DATA``, else under ``../shared/data`` beside the checkout."""
    import os

    env = os.environ.get("SHOESTREET_ANSUR_DIR")
    if env:
        return Path(env)
    shared = os.environ.get("SHOESTREET_SHARED_DATA")
    base = (
        Path(shared) if shared else Path(__file__).resolve().parents[2].parent / "shared" / "data"
    )
    return base / "footscan" / "ansur2"


@lru_cache(maxsize=4)
def _ansur_fit(folder: str) -> dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """Per sex: mean (4,) and covariance (4, 4) of the four foot columns, mm."""
    out = {}
    for sex, name in (
        ("male", "ANSUR_II_MALE_Public.csv"),
        ("female", "ANSUR_II_FEMALE_Public.csv"),
    ):
        path = Path(folder) / name
        if not path.is_file():
            raise DomainError(f"ANSUR II file missing: {path} (set SHOESTREET_ANSUR_DIR)")
        with path.open(encoding="latin-1", newline="") as fh:
            reader = csv.DictReader(fh)
            try:
                data = np.array(
                    [[float(r[c]) for c in _ANSUR_COLUMNS] for r in reader], dtype=np.float64
                )
            except (KeyError, ValueError) as exc:
                raise DomainError(f"{path}: unreadable foot columns ({exc})") from None
        if data.shape[0] < 100:
            raise DomainError(f"{path}: only {data.shape[0]} rows")
        out[sex] = (data.mean(axis=0), np.cov(data, rowvar=False))
    return out


@dataclass(frozen=True)
class SyntheticCity:
    """A synthetic population (SYNTHETIC: drawn from ANSUR II-fitted distributions).

    Attributes
    ----------
    n : int
    seed : int
    sex, age_band, region : (n,) str arrays
    measurements_mm : dict of (n,) float64
        ``foot_length``, ``ball_girth``, ``ball_width``, ``instep_girth``, ``instep_height``,
        ``heel_width`` (mm, rounded to 0.1 mm as stored).
    shape_coeffs_sd : (n, 38) float64
    """

    n: int
    seed: int
    sex: NDArray[Any] = field(repr=False)
    age_band: NDArray[Any] = field(repr=False)
    region: NDArray[Any] = field(repr=False)
    measurements_mm: dict[str, NDArray[np.float64]] = field(repr=False)
    shape_coeffs_sd: NDArray[np.float64] = field(repr=False)

    def columns(self, first_person_id: int = -1, updated_s: int = 0) -> dict[str, Any]:
        """Columns of the measurements table; person ids count down from ``first_person_id``
        (negative: synthetic people never collide with real accounts)."""
        if first_person_id >= 0:
            raise DomainError("synthetic person ids must be negative")
        ids = first_person_id - np.arange(self.n, dtype=np.int64)
        cols: dict[str, Any] = {
            "person_id": ids,
            "updated_s": np.full(self.n, int(updated_s), dtype=np.int64),
            "sex": self.sex,
            "age_band": self.age_band,
            "region": self.region,
            "foot_length_tenth_mm": _tenths(self.measurements_mm["foot_length"]),
        }
        for m in MEASURES.values():
            cols[m.column] = _tenths(self.measurements_mm[m.name])
        cols["arch_height_tenth_mm"] = [None] * self.n  # not modelled (ANSUR has no arch)
        coeffs = np.rint(self.shape_coeffs_sd * 1e4)
        for k, c in enumerate(SHAPE_COLUMNS):
            cols[c] = coeffs[:, k].astype(np.int32)
        cols["shape_source"] = ["measures"] * self.n  # the model given ANSUR's measures
        return cols

    def to_arrow(self, first_person_id: int = -1, updated_s: int = 0):
        """The population as an Arrow table of the measurements schema."""
        return rows_to_arrow(self.columns(first_person_id, updated_s))


def _tenths(v: NDArray[np.float64]) -> NDArray[np.int32]:
    return np.rint(np.asarray(v) * 10.0).astype(np.int32)


def synthetic_city(
    n: int, seed: int = 0, *, region: str = "KR", ansur_folder: str | Path | None = None
) -> SyntheticCity:
    """Draw ``n`` synthetic adults (see the module docstring for every assumption).

    Parameters
    ----------
    n : int
        Number of people (1 .. 20,000,000).
    seed : int
        Seed of numpy's generator (the same seed gives the same city).
    region : str
        The city's public region.
    ansur_folder : path, optional
        Folder of the ANSUR II CSVs (default :func:`ansur_dir`).
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_PEOPLE:
        raise DomainError(f"n must be an integer in 1..{MAX_PEOPLE:,}, got {n!r}")
    if region not in REGIONS:
        raise DomainError(f"region must be one of {list(REGIONS)}")
    from storefront.makers.foot_model import coefficients_from_measurements

    fit = _ansur_fit(str(ansur_folder or ansur_dir()))
    rng = np.random.default_rng(seed)
    sex = rng.choice(np.array(["female", "male", "other"]), size=n, p=[0.495, 0.495, 0.01])
    body_male = np.where(sex == "other", rng.random(n) < 0.5, sex == "male")
    draws = np.empty((n, 4), dtype=np.float64)
    for is_male, key in ((True, "male"), (False, "female")):
        idx = np.flatnonzero(body_male == is_male)
        mean, cov = fit[key]
        draws[idx] = rng.multivariate_normal(mean, cov, size=idx.size, method="cholesky")
    fl, bw, bg, hw = draws.T
    ig = bg + rng.normal(4.0, 7.0, n)
    ih = 0.25 * fl + rng.normal(0.0, 4.5, n)
    meas = {
        "foot_length": fl,
        "ball_girth": bg,
        "ball_width": bw,
        "instep_girth": ig,
        "instep_height": ih,
        "heel_width": hw,
    }
    meas = {k: np.rint(v * 10.0) / 10.0 for k, v in meas.items()}
    coeffs = coefficients_from_measurements(
        {f"{k}_mm": v for k, v in meas.items()}, rng=rng, spread_sd=COEFF_SPREAD_SD
    )
    bands = list(_ADULT_AGE_SHARES)
    age = rng.choice(np.array(bands), size=n, p=list(_ADULT_AGE_SHARES.values()))
    assert set(bands) <= set(AGE_BANDS)
    for v in meas.values():
        v.setflags(write=False)
    return SyntheticCity(
        n=n,
        seed=seed,
        sex=sex,
        age_band=age,
        region=np.full(n, region),
        measurements_mm=meas,
        shape_coeffs_sd=coeffs,
    )
