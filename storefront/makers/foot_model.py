"""Footscan's foot model for the maker statistics: coefficients per person, meshes per class.

Each row of the measurements table carries the person's foot-model shape coefficients (16
FIND modes and 22 proportion modes of footscan's shape basis, in prior standard deviations):

* for scans measured since the fit's coefficients are kept, the coefficients footscan fitted
  to the scan itself (``result["shape_model"]["coeffs_sd"]``, converted to the foot's real
  size by the scan job: footscan fits at a nominal length and its coefficients are raw
  weights, not prior sd);
* otherwise (older scans, and the synthetic city) the model's Gaussian prior conditioned on
  the person's measurements (:func:`coefficients_from_measurements`), through the linear map
  from coefficients to footscan's measurements estimated once by
  :mod:`storefront.makers.measure_map` (random model feet measured by footscan itself).

The basis is linear, so the mesh of the mean coefficients of a size class is the mean of its
people's meshes: :func:`average_foot_mesh` decodes the DP mean coefficients of a release.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from storefront.domain_errors import DomainError

__all__ = [
    "mode_names",
    "measure_map",
    "coefficients_from_measurements",
    "stored_coefficients",
    "CONDITIONED",
    "FIND_PRIOR_VAR",
    "average_foot_mesh",
    "mesh_noise_sd_mm",
    "mesh_stl_bytes",
    "mesh_glb_bytes",
]


#: Measurements the coefficients are conditioned on: girths are left out (footscan's girths
#: are far from linear in the coefficients, and ANSUR's tape girths follow another definition).
CONDITIONED = ("foot_length_mm", "ball_width_mm", "instep_height_mm", "heel_width_mm")
#: Prior variance (sd units) of the FIND modes when conditioning on measurements.
FIND_PRIOR_VAR = 0.01


@lru_cache(maxsize=1)
def _basis() -> Any:
    from footscan._shape_model import load_shape_basis

    return load_shape_basis()


def mode_names() -> tuple[str, ...]:
    """Names of the shape coefficients (``find_0`` .. ``find_15``, ``scale_x``, ...)."""
    return tuple(_basis().mode_names)


@lru_cache(maxsize=1)
def measure_map() -> tuple[
    tuple[str, ...], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]
]:
    """``(measures, offset_mm (m,), slope_mm_per_sd (m, k), residual_rms_mm (m,))``."""
    from storefront.makers import _measure_map_data as d

    a = np.asarray(d.SLOPE_MM_PER_SD, dtype=np.float64)
    if a.shape[1] != _basis().n_modes:
        raise DomainError("the measurement map does not match the foot model; rebuild it")
    return (
        tuple(d.MEASURES),
        np.asarray(d.OFFSET_MM, dtype=np.float64),
        a,
        np.asarray(d.RESIDUAL_RMS_MM, dtype=np.float64),
    )


def coefficients_from_measurements(
    measurements_mm: Mapping[str, NDArray[np.float64] | float],
    *,
    rng: np.random.Generator | None = None,
    spread_sd: float = 0.0,
) -> NDArray[np.float64]:
    """Shape coefficients (prior sd) of people given their measurements (mm).

    The prior ``N(0, P)`` (``P``: 1 for the proportion modes, ``FIND_PRIOR_VAR`` for FIND's)
    conditioned on ``y = offset + A c + e`` (``e`` of the map's residual sd) for the
    measurements of :data:`CONDITIONED` present: the posterior mean, plus, with ``rng`` and
    ``spread_sd > 0``, a draw of the posterior spread (people of the same measurements
    differ in the rest of their shape; ``spread_sd`` scales the prior of that draw).
    Vectorised; a person without a foot length gets NaN coefficients.

    Parameters
    ----------
    measurements_mm : mapping
        Footscan keys (``foot_length_mm``, ``ball_width_mm``, ...) to (n,) arrays or floats;
        NaN or absent for a missing value.

    Returns
    -------
    (n, 38) float64, or (38,) for scalar inputs
    """
    names, y0, a, rms = measure_map()
    k = a.shape[1]
    cols = [
        np.atleast_1d(np.asarray(measurements_mm.get(m, np.nan), dtype=np.float64))
        if m in CONDITIONED
        else np.full(1, np.nan)
        for m in names
    ]
    n = max(c.size for c in cols)
    scalar = all(np.ndim(measurements_mm.get(m, np.nan)) == 0 for m in names)
    y = np.column_stack([np.broadcast_to(c, (n,)) for c in cols])
    out = np.full((n, k), np.nan)
    z = (
        rng.normal(0.0, spread_sd, (n, k))
        if rng is not None and spread_sd > 0
        else np.zeros((n, k))
    )
    present = np.isfinite(y)
    # the measurements are carried by the proportion modes (linear in the geometry); FIND's
    # modes, whose effect on footscan's measures is far from linear, keep a tight prior
    is_find = np.char.startswith(np.asarray(mode_names()), "find_")
    prior_var = np.where(is_find, FIND_PRIOR_VAR, 1.0)
    for pattern in np.unique(present, axis=0):
        if not pattern[0]:  # no foot length: no shape
            continue
        rows = np.flatnonzero((present == pattern).all(axis=1))
        ap = a[pattern]
        pa = ap * prior_var  # A P
        # gain P A' (A P A' + R)^-1
        gain = np.linalg.solve(ap @ pa.T + np.diag(rms[pattern] ** 2), pa).T
        resid = y[rows][:, pattern] - y0[pattern] - z[rows] @ ap.T
        out[rows] = z[rows] + resid @ gain.T
    return out[0] if scalar else out


def stored_coefficients(result: Mapping[str, Any]) -> list[float] | None:
    """The fit's coefficients kept with a scan's result, when there and well formed.

    ``result["shape_model"]["coeffs_sd"]`` (written by the scan job,
    :func:`storefront.scans.footscan_bridge.shape_model_entry`): footscan's fit to the
    capture at the foot's real size, in prior sd of each mode.
    """
    model = result.get("shape_model")
    coeffs = model.get("coeffs_sd") if isinstance(model, Mapping) else None
    if not isinstance(coeffs, list) or len(coeffs) != _basis().n_modes:
        return None
    if isinstance(model, Mapping) and model.get("modes", _basis().n_modes) != _basis().n_modes:
        return None
    vals = [c for c in coeffs if isinstance(c, int | float) and not isinstance(c, bool)]
    if len(vals) != len(coeffs) or not all(math.isfinite(float(c)) for c in vals):
        return None
    return [float(c) for c in vals]


def average_foot_mesh(coeffs_sd: Sequence[float]) -> Any:
    """The mesh (``trimesh.Trimesh``, mm, footscan foot frame) of coefficients in sd units."""
    import trimesh

    b = _basis()
    c = np.asarray(coeffs_sd, dtype=np.float64)
    if c.shape != (b.n_modes,) or not np.all(np.isfinite(c)):
        raise DomainError(f"expected {b.n_modes} finite shape coefficients")
    verts = b.shape(c * b.mode_sd)
    return trimesh.Trimesh(vertices=verts, faces=b.faces, process=False)


def mesh_noise_sd_mm(coeff_noise_sd: NDArray[np.float64]) -> dict[str, float]:
    """Noise sd (mm) of footscan's measurements of a decoded mesh whose coefficients carry
    independent noise of ``coeff_noise_sd`` (prior sd, one per mode), through the linear
    measurement map: ``sqrt(sum_k (A_mk sd_k)^2)`` per measurement."""
    names, _, a, _ = measure_map()
    sd = np.asarray(coeff_noise_sd, dtype=np.float64)
    return {m: float(np.sqrt(np.sum((a[i] * sd) ** 2))) for i, m in enumerate(names)}


def mesh_stl_bytes(mesh: Any) -> bytes:
    """Binary STL, millimetres."""
    return bytes(mesh.export(file_type="stl"))


def mesh_glb_bytes(mesh: Any) -> bytes:
    """GLB in metres (glTF's unit), +Y up, with a non-metallic material (storefront §3.2)."""
    import trimesh

    m = mesh.copy()
    m.apply_scale(1e-3)
    # foot frame: +Z up -> glTF: +Y up
    m.apply_transform(trimesh.transformations.rotation_matrix(-math.pi / 2, [1, 0, 0]))
    m.visual = trimesh.visual.TextureVisuals(
        material=trimesh.visual.material.PBRMaterial(
            baseColorFactor=[200, 170, 150, 255], metallicFactor=0.0, roughnessFactor=0.8
        )
    )
    return bytes(trimesh.Scene(m).export(file_type="glb"))
