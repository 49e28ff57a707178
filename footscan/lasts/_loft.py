"""The loft of a personal last: rings pushed out from the foot by a clearance field, closed
into a triangle mesh (flat last frame, mm)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from footscan.lasts._frame import TOE_CLEARANCE_MM, Frame
from footscan.lasts._geometry import (
    N_ANGLES,
    N_BOTTOM,
    closed_tube_faces,
    disc,
    hull2,
    layout,
    outward,
    radial,
)

__all__ = ["rings", "close_mesh", "BACK_CLEARANCE_MM"]

_CHAMFER_TAN = 1.0  # 45 degrees: heel-back bottom corner behind the heel allowance
BACK_CLEARANCE_MM = 0.5


def _field(f: Frame, params: NDArray[np.float64], ends_mm: tuple[float, float]):
    """The clearance field's base and side terms per station (piecewise linear in x)."""
    kn = f.knots
    xs = [kn["back"], kn["heel"], kn["instep"], kn["waist"], kn["ball"], kn["ball_front"]]
    base = np.interp(f.x, [*xs, kn["toe_box"]], [ends_mm[0], *params[:4], params[3], ends_mm[1]])
    side = np.interp(
        f.x,
        [kn["waist"], kn["ball"], kn["ball_front"], kn["toe_box"]],
        [0.0, params[4], params[4], 0.0],
    )
    return base, side


def _toe_ring(f: Frame, i: int, c: NDArray[np.float64]):
    """The style toe polygon of station ``i``, grown where the toes would touch it."""
    ring = f.toe_rings[i]
    h = f.toe_hulls[i]
    if h is not None:
        grown = (h[:, None, :] + TOE_CLEARANCE_MM * disc()[None]).reshape(-1, 2)
        ring = np.vstack([ring, grown])
    return hull2(np.vstack([ring, [[c[0], 0.0]]]))


def _widen(yz: NDArray[np.float64], c: NDArray[np.float64], side: float) -> None:
    """The side term widens (narrows) the section by 2 * side: a scale across, below the
    section's centre fully, fading to nothing at its top (a width change does not squeeze the
    dorsum)."""
    half = 0.5 * np.ptp(yz[:, 0])
    top = float(yz[:, 1].max())
    w = np.clip((top - yz[:, 1]) / max(top - c[1], 1.0), 0.0, 1.0)
    yz[:, 0] = c[0] + (yz[:, 0] - c[0]) * (1.0 + w * side / max(half, 1.0))


def rings(
    f: Frame,
    params: NDArray[np.float64],
    ends_mm: tuple[float, float] = (BACK_CLEARANCE_MM, TOE_CLEARANCE_MM),
) -> NDArray[np.float64]:
    """Ring vertices (K, M, 3) of the flat last for clearance parameters
    ``[heel, instep, waist, ball, ball_side]`` (mm)."""
    base, side = _field(f, params, ends_mm)
    k = f.x.shape[0]
    out = np.zeros((k, N_ANGLES, 3))
    out[:, :, 0] = f.x[:, None]
    for i in range(k):
        c = f.centre[i]
        hull = _toe_ring(f, i, c) if i in f.toe_rings else None
        if hull is not None:
            dirs = layout(hull, c, True)
            r = radial(hull, c, dirs)
        else:  # a station behind the toes, or a toe ring too degenerate for a hull
            r = f.r_foot[i] + base[i]
            dirs = f.dirs[i]
        yz = c + r[:, None] * dirs
        if f.x[i] >= f.x_b0 - 1e-9:
            # The bottom (the insole board) stays on z = 0 whatever the clearance.
            yz[N_ANGLES - N_BOTTOM :, 1] = 0.0
            yz[0, 1] = 0.0
        if side[i] != 0.0:
            _widen(yz, c, side[i])
        zlo = 0.0 if f.x[i] >= f.x_b0 - 1e-9 else (f.x_b0 - f.x[i]) * _CHAMFER_TAN
        yz[:, 1] = np.clip(yz[:, 1], zlo, f.z_top)
        out[i, :, 1:] = yz
    return out


def close_mesh(f: Frame, ring_v: NDArray[np.float64]):
    """Close the rings into a triangle mesh: a rounded heel cap and the toe tip.

    Returns
    -------
    vertices (n, 3), faces (m, 3) outward wound, number of cap rings
    """
    first = ring_v[0]
    c0 = np.array([first[0, 0], *f.centre[0]])
    depth = first[0, 0] - f.cap_x
    caps = []
    for a in np.radians([30.0, 55.0, 75.0]):
        r = c0 + (first - c0) * np.cos(a)
        r[:, 0] = first[0, 0] - depth * np.sin(a)
        caps.append(r)
    allr = np.concatenate([np.array(caps[::-1]), ring_v], axis=0)
    apex0 = np.array([first[0, 0] - depth, *f.centre[0]])
    apex1 = np.array([f.x_b1, 0.0, 0.0])
    v = np.vstack([apex0[None], allr.reshape(-1, 3), apex1[None]])
    fa = closed_tube_faces(allr.shape[0], allr.shape[1])
    return v, outward(v, fa), len(caps)
