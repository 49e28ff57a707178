"""The linear foot shape model used to complete captures (``assets/find/shape_basis.npz``).

The basis has two kinds of modes, all linear in their coefficients:

* **FIND modes**: principal components of the FIND generative model (Boyne et al., MIT)
  sampled over its shape and pose latents (``scripts/build_shape_basis.py``), on a decimated
  FIND template (6,002 vertices, ~4 mm edges).
* **Proportion modes** written here: per-axis scale, piecewise length stretch, medial and
  lateral half-widths and heights in five stations along the foot, and a sideways shift of the
  toe block. FIND was trained on few feet; these modes let the fit follow real proportions
  (e.g. a second toe nearer the medial border than FIND's) while the prior keeps them small.

Frame of the mean shape: the footscan foot frame (floor z = 0, +X heel centre -> 2nd-toe tip,
origin under the pternion, left foot: medial side at -Y), millimetres.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from footscan._find import assets_dir
from footscan.exceptions import FootscanError

__all__ = ["ShapeBasis", "load_shape_basis"]

# Prior standard deviations of the proportion modes (fractions of the relevant dimension).
_SCALE_SD = (0.10, 0.10, 0.12)  # x, y, z: ANSUR length sd is ~5 %, breadth/length 0.34-0.42
_SEGMENT_SD = 0.03  # extra stretch of one quarter of the foot
_HALF_WIDTH_SD = 0.08  # medial or lateral half-width at one station
_HEIGHT_SD = 0.10  # height at one station (arch, instep, toes)
_TOE_SHIFT_SD = 0.02  # toe block moved sideways, fraction of foot length
_STATIONS = (0.05, 0.3, 0.55, 0.8, 1.0)  # fraction of foot length
_STATION_HALF_WIDTH = 0.25
_SIDE_SOFTNESS_MM = 12.0  # the medial/lateral split is smooth across the midline


@dataclass(frozen=True)
class ShapeBasis:
    """Mean foot, faces and modes of the linear shape model.

    Attributes
    ----------
    mean_mm : (n, 3) float64
        Mean shape, mm, foot frame.
    faces : (m, 3) int64
    modes : (k, n, 3) float64
        Displacement per unit coefficient, mm.
    mode_sd : (k,) float64
        Prior standard deviation of each coefficient.
    mode_names : tuple of str
    keypoints : dict[str, int]
        FIND keypoint name -> vertex index (``"2nd toe"``, ``"heel"``, ``"inner extrema"``
        (MTH1), ``"outer extrema"`` (MTH5), ...).
    surface_vertex : (n,) bool
        False for vertices of the template's ankle cap (not foot surface).
    length_mm : float
        Foot length of the mean shape (pternion -> acropodion along X, floor projection).
    """

    mean_mm: NDArray[np.float64] = field(repr=False)
    faces: NDArray[np.int64] = field(repr=False)
    modes: NDArray[np.float64] = field(repr=False)
    mode_sd: NDArray[np.float64] = field(repr=False)
    mode_names: tuple[str, ...]
    keypoints: dict[str, int]
    surface_vertex: NDArray[np.bool_] = field(repr=False)
    length_mm: float

    @property
    def n_modes(self) -> int:
        """Number of shape coefficients."""
        return int(self.modes.shape[0])

    def shape(self, coeffs: NDArray[np.float64]) -> NDArray[np.float64]:
        """Vertices ``(n, 3)`` mm for coefficients ``(k,)`` (in the units of ``mode_sd``)."""
        flat = self.modes.reshape(self.modes.shape[0], -1)
        return self.mean_mm + (coeffs @ flat).reshape(-1, 3)


def _hat(u: NDArray[np.float64], centre: float) -> NDArray[np.float64]:
    return np.clip(1.0 - np.abs(u - centre) / _STATION_HALF_WIDTH, 0.0, 1.0)


def _smoothstep(u: NDArray[np.float64], a: float, b: float) -> NDArray[np.float64]:
    t = np.clip((u - a) / (b - a), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _proportion_modes(
    mean: NDArray[np.float64], length_mm: float
) -> tuple[list[NDArray[np.float64]], list[float], list[str]]:
    x, y, z = mean[:, 0], mean[:, 1], mean[:, 2]
    u = x / length_mm
    zero = np.zeros_like(x)
    modes: list[NDArray[np.float64]] = []
    sds: list[float] = []
    names: list[str] = []
    for axis, sd, name in zip(range(3), _SCALE_SD, ("scale_x", "scale_y", "scale_z")):
        d = np.zeros_like(mean)
        d[:, axis] = mean[:, axis]
        modes.append(d)
        sds.append(sd)
        names.append(name)
    for b in (0.25, 0.5, 0.75):
        modes.append(np.column_stack([length_mm * np.clip(u - b, 0.0, None), zero, zero]))
        sds.append(_SEGMENT_SD)
        names.append(f"stretch_after_{b:.2f}")
    a = _SIDE_SOFTNESS_MM
    medial = 0.5 * (y - np.sqrt(y * y + a * a))  # ~y on the medial side (-Y), ~0 laterally
    lateral = 0.5 * (y + np.sqrt(y * y + a * a))
    for c in _STATIONS:
        h = _hat(u, c)
        modes.append(np.column_stack([zero, medial * h, zero]))
        sds.append(_HALF_WIDTH_SD)
        names.append(f"medial_width_{c:.2f}")
        modes.append(np.column_stack([zero, lateral * h, zero]))
        sds.append(_HALF_WIDTH_SD)
        names.append(f"lateral_width_{c:.2f}")
        modes.append(np.column_stack([zero, zero, z * h]))
        sds.append(_HEIGHT_SD)
        names.append(f"height_{c:.2f}")
    modes.append(np.column_stack([zero, length_mm * _smoothstep(u, 0.72, 0.95), zero]))
    sds.append(_TOE_SHIFT_SD)
    names.append("toe_shift")
    return modes, sds, names


def _length_mm(v: NDArray[np.float64]) -> float:
    return float(v[v[:, 2] < 50.0, 0].max() - v[v[:, 2] <= 40.0, 0].min())


@lru_cache(maxsize=1)
def load_shape_basis() -> ShapeBasis:
    """Load the bundled basis and append the proportion modes (cached).

    Returns
    -------
    ShapeBasis

    Raises
    ------
    FootscanError
        When the bundled file is missing or unreadable.
    """
    path = assets_dir() / "find" / "shape_basis.npz"
    try:
        with np.load(path) as npz:
            mean = npz["mean_mm"].astype(np.float64)
            faces = npz["faces"].astype(np.int64)
            find_modes = npz["modes"].astype(np.float64)
            find_sd = npz["mode_sd"].astype(np.float64)
            kp_names = [str(n) for n in npz["keypoint_names"]]
            kp_index = npz["keypoint_index"].astype(np.int64)
            surface = ~npz["cap_vertex"].astype(bool)
    except (OSError, KeyError, ValueError) as exc:
        raise FootscanError(f"bundled foot shape basis unreadable at {path}: {exc}") from None
    length = _length_mm(mean)
    extra, extra_sd, extra_names = _proportion_modes(mean, length)
    modes = np.concatenate([find_modes, np.stack(extra)], axis=0)
    sd = np.concatenate([find_sd, np.asarray(extra_sd, dtype=np.float64)])
    names = tuple([f"find_{i}" for i in range(find_modes.shape[0])] + extra_names)
    for arr in (mean, faces, modes, sd, surface):
        arr.setflags(write=False)
    return ShapeBasis(
        mean_mm=mean,
        faces=faces,
        modes=modes,
        mode_sd=sd,
        mode_names=names,
        keypoints=dict(zip(kp_names, kp_index.tolist())),
        surface_vertex=surface,
        length_mm=length,
    )
