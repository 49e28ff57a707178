"""The clearance field's five landmark values solved so the last's measures hit their targets."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from footscan.lasts._frame import Frame
from footscan.lasts._loft import close_mesh, rings
from footscan.lasts._measure import Plane, last_measures
from footscan.lasts._tape import mesh_edges

__all__ = ["SOLVED", "solve"]

SOLVED = ("heel_girth", "instep_girth", "waist_girth", "ball_girth", "ball_width")
_TOL_MM = 0.05


def solve(
    f: Frame,
    planes: dict[str, Plane],
    target: dict[str, float],
    band: float,
    pose: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None,
):
    """Newton steps with a finite-difference Jacobian, then Broyden updates.

    Parameters
    ----------
    f : Frame
    planes : dict of name -> Plane
        Measuring planes in the frame the measures are taken in.
    target : dict of measure -> float
        Wanted measures of the last (mm) for the names in ``SOLVED``.
    band : float
        Height of the ball-width band (mm).
    pose : callable, optional
        Maps flat last vertices into the frame of ``planes`` (identity when not given).

    Returns
    -------
    params (5,), rings (K, M, 3), flat vertices, faces
    """
    t = np.array([target[k] for k in SOLVED])
    edges: list[NDArray[np.int64]] = []

    def measure(params):
        ring_v = rings(f, params)
        v, fa, _ = close_mesh(f, ring_v)
        if not edges:
            edges.append(mesh_edges(fa))
        vm = v if pose is None else pose(v)
        lm = last_measures(vm, fa, planes, band, edges[0])
        return np.array([lm[k] for k in SOLVED]), ring_v, v, fa

    params = np.zeros(5)
    val, ring_v, v, fa = measure(params)
    jac = np.zeros((5, 5))
    for j in range(5):
        dp = params.copy()
        dp[j] += 1.0
        jac[:, j] = measure(dp)[0] - val
    for _ in range(10):
        err = t - val
        if np.abs(err).max() < _TOL_MM:
            break
        step = np.linalg.lstsq(jac, err, rcond=None)[0]
        new = params + step
        nval, nrings, nv, nfa = measure(new)
        dv = nval - val
        jac += np.outer(dv - jac @ step, step) / max(step @ step, 1e-12)
        params, val, ring_v, v, fa = new, nval, nrings, nv, nfa
    return params, ring_v, v, fa
