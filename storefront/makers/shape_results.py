"""Results of the DP shape-statistics releases (frozen; ``to_dict`` for JSON).

Every result states its method, its noise scales, its epsilon and the (noisy) number of
people each group covers; withheld groups say why, never how many people they hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from storefront.domain_errors import DomainError

__all__ = [
    "BETA",
    "QuantileBin",
    "QuantileRelease",
    "RegressionGroup",
    "RegressionRelease",
    "AverageFoot",
    "AverageFootRelease",
]

#: Failure probability of the stated intervals (they hold with probability 1 - BETA).
BETA = 0.05


@dataclass(frozen=True)
class QuantileBin:
    """One length bin of a quantile release.

    Attributes
    ----------
    length_bin : str
        ``"260-265"`` (mm).
    people : int or None
        Noisy number of people (rounded, >= 0); None when withheld.
    quantiles_mm : dict or None
        ``{"p50": 244.5, ...}`` (mm); None when the bin is withheld.
    alpha_halfwidth : float or None
        With probability ``1 - BETA`` each released value lies between the true quantiles at
        ``alpha -+ alpha_halfwidth`` (within the 1 mm candidate grid); from the noisy count.
    withheld : str or None
        Why nothing is released for this bin (never a count).
    """

    length_bin: str
    people: int | None
    quantiles_mm: dict[str, float] | None
    alpha_halfwidth: float | None
    withheld: str | None = None


@dataclass(frozen=True)
class QuantileRelease:
    """Quantiles of one measurement per 5 mm length bin."""

    measure: str
    alphas: tuple[float, ...]
    epsilon: float
    epsilon_count: float
    epsilon_per_quantile: float
    count_noise_scale: float
    score_noise_scale: float
    rank_error_people: float
    bounds_mm: tuple[int, int]
    filters: dict[str, str]
    min_people: int
    bins: tuple[QuantileBin, ...]
    method: str = (
        "one row per person; values clamped to the bounds; per 5 mm length bin: OpenDP discrete "
        "Laplace count, then each quantile by OpenDP's exponential mechanism (quantile scores "
        "over 1 mm candidates, noisy max); bins with a noisy count under the floor withheld"
    )

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (with ``delta`` = 0)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "bins"}
        d["alphas"] = list(self.alphas)
        d["bounds_mm"] = list(self.bounds_mm)
        d["delta"] = 0.0
        d["interval_probability"] = 1.0 - BETA
        d["bins"] = [b.__dict__ for b in self.bins]
        return d


@dataclass(frozen=True)
class RegressionGroup:
    """Line fit of ball girth on foot length in one group (mm per mm, mm)."""

    group: str
    people: int | None
    slope_mm_per_mm: float | None
    girth_at_mean_length_mm: float | None
    mean_length_mm: float | None
    correlation: float | None
    withheld: str | None = None


@dataclass(frozen=True)
class RegressionRelease:
    """Ball girth on foot length, per sex."""

    epsilon: float
    count_noise_scale: float
    sum_noise_scales: dict[str, float]
    bounds_mm: dict[str, tuple[int, int]]
    filters: dict[str, str]
    min_people: int
    groups: tuple[RegressionGroup, ...]
    method: str = (
        "one row per person; length and girth clamped to the bounds and centred; per sex: "
        "OpenDP discrete Laplace on the count and on each sum (x, y, xx, xy, yy, tenths of a mm) "
        "with sensitivities from OpenDP's bounded-sum map; least squares on the noisy sums"
    )

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (with ``delta`` = 0)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "groups"}
        d["bounds_mm"] = {k: list(v) for k, v in self.bounds_mm.items()}
        d["delta"] = 0.0
        d["groups"] = [g.__dict__ for g in self.groups]
        return d


@dataclass(frozen=True)
class AverageFoot:
    """DP mean shape coefficients of one size class, and the DP mean foot length and ball
    width of the same people (what the decoded mesh should measure).

    Attributes
    ----------
    length_bin : str
    people : int or None
        Noisy number of people (None when withheld).
    coeffs_sd : tuple of float or None
        Mean coefficients (prior standard deviations).
    coeff_noise_sd : float or None
        Standard deviation of the noise on each mean coefficient.
    mean_length_mm, mean_ball_width_mm : float or None
        DP means of the people's measured foot length and ball width (mm).
    length_noise_sd_mm, width_noise_sd_mm : float or None
        Standard deviations of their noise (mm).
    coeff_noise_sd_each : tuple of float or None
        Noise sd of each mean coefficient (prior sd; in proportion to its clamping bound);
        ``coeff_noise_sd`` is the largest.
    mesh_length_noise_sd_mm, mesh_ball_width_noise_sd_mm : float or None
        What that noise does to the decoded mesh's foot length and ball width (mm; through
        the linear map from coefficients to footscan's measurements).
    people_fitted : int or None
        Noisy number of the class' people whose coefficients are footscan's fit to their own
        capture (the others': the model given their measurements).
    coefficients_from : str or None
        Those two routes in words, with the share.
    withheld : str or None
        Why nothing is released for this class (never a count).
    mesh_withheld : str or None
        Why the class' mean length and width are released but not its shape (coefficients,
        mesh): its noisy count is under the release's ``mesh_min_people``.
    """

    length_bin: str
    people: int | None
    coeffs_sd: tuple[float, ...] | None
    coeff_noise_sd: float | None
    mean_length_mm: float | None = None
    mean_ball_width_mm: float | None = None
    length_noise_sd_mm: float | None = None
    width_noise_sd_mm: float | None = None
    withheld: str | None = None
    coeff_noise_sd_each: tuple[float, ...] | None = None
    mesh_length_noise_sd_mm: float | None = None
    mesh_ball_width_noise_sd_mm: float | None = None
    people_fitted: int | None = None
    coefficients_from: str | None = None
    mesh_withheld: str | None = None


@dataclass(frozen=True)
class AverageFootRelease:
    """The average foot per 5 mm size class.

    ``min_people`` is the floor on a class' noisy count for its mean length and width;
    ``mesh_min_people`` the floor for its shape (coefficients and mesh), from the epsilon
    and the clamping bounds, so that no released mean coefficient carries more than
    ``max_coeff_noise_sd`` prior sd of noise.
    """

    epsilon: float
    count_noise_scale: float
    sum_noise_scale_sd: float
    clamp_sd: float
    filters: dict[str, str]
    min_people: int
    feet: tuple[AverageFoot, ...]
    mode_names: tuple[str, ...] = field(default=())
    clamp_sd_each: tuple[float, ...] = field(default=())
    mesh_min_people: int = 0
    max_coeff_noise_sd: float = 0.0
    method: str = (
        "one row per person with the foot-model coefficients (16 FIND + 22 proportion modes, "
        "at the foot's real size, prior sd) that footscan fitted to their capture (the model "
        "given 4 measurements for scans from before the fit was kept; the count of fitted "
        "people is released); each coefficient minus its public centre in the 5 mm length bin "
        "(zero but for the scale modes) is clamped to its declared bound (clamp_sd_each); per "
        "bin: OpenDP discrete Laplace on the count of people per source of their coefficients, on the coefficient sums (epsilon split "
        "evenly over the 38, sensitivity of each bound from OpenDP's bounded-sum map) and on "
        "the sums of foot length (offset in the bin) and ball width; mean = centre + noisy sum "
        "/ noisy count; the mean coefficients are decoded with footscan's shape basis, only for "
        "classes whose noisy count reaches mesh_min_people (noise of each mean coefficient at "
        "most max_coeff_noise_sd prior sd)"
    )

    def foot(self, length_bin: str) -> AverageFoot:
        """The average foot of one size class (``"260-265"``)."""
        for f in self.feet:
            if f.length_bin == length_bin:
                return f
        raise DomainError(f"no size class {length_bin!r}")

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (with ``delta`` = 0)."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "feet"}
        d["mode_names"] = list(self.mode_names)
        d["clamp_sd_each"] = list(self.clamp_sd_each)
        d["delta"] = 0.0
        d["feet"] = [
            {
                **f.__dict__,
                "coeffs_sd": None if f.coeffs_sd is None else list(f.coeffs_sd),
                "coeff_noise_sd_each": (
                    None if f.coeff_noise_sd_each is None else list(f.coeff_noise_sd_each)
                ),
            }
            for f in self.feet
        ]
        return d
