"""The one point-cloud type that flows through the footscan pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

__all__ = ["PointCloud"]


@dataclass(frozen=True)
class PointCloud:
    """A scan in millimetres, as read from a file (or made by the synthetic generator).

    Parameters
    ----------
    points_mm : (n, 3) float64
        Vertex or point coordinates in millimetres, in the capture's own frame.
    faces : (m, 3) int64 or None
        Triangle indices into ``points_mm`` when the source was a mesh.
    normals : (n, 3) float64 or None
        Unit normals per point when the source had them.
    colors : (n, 3) uint8 or None
        RGB colours per point when the source had them.
    units_detected : str
        ``"m"``, ``"cm"`` or ``"mm"``: the unit the source file was in.
    units_source : str
        ``"auto"`` when inferred from the extent, ``"override"`` when given by the caller.
    source_format : str
        Short format name (``"ply"``, ``"obj"``, ``"stl"``, ``"glb"``, ``"pcd"``, ``"xyz"``,
        ``"synthetic"``...).
    """

    points_mm: NDArray[np.float64] = field(repr=False)
    faces: NDArray[np.int64] | None = field(default=None, repr=False)
    normals: NDArray[np.float64] | None = field(default=None, repr=False)
    colors: NDArray[np.uint8] | None = field(default=None, repr=False)
    units_detected: str = "mm"
    units_source: str = "auto"
    source_format: str = "unknown"

    @property
    def n_points(self) -> int:
        """Number of points."""
        return int(self.points_mm.shape[0])
