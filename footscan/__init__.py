"""footscan: foot point clouds and meshes -> clean aligned foot -> measurements -> shoe sizes.

Typical use::

    from footscan import load_scan, measure_scan
    result = measure_scan(load_scan("foot.ply"))
    result.measurements.foot_length.value, result.sizes.eu, result.quality.flags
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from footscan._cloud import PointCloud
from footscan._io import load_scan, read_scan_bytes, write_scan
from footscan._measure import Coverage, FootMeasurements, Measurement, measure_aligned
from footscan._pipeline import ScanResult, measure_points, measure_scan
from footscan._quality import QualityReport
from footscan._sizes import (
    Sizes,
    SizeTable,
    default_size_table,
    load_size_table,
    sizes_from_measurements,
)
from footscan.exceptions import (
    FootscanError,
    MissingExtraError,
    NotAFootError,
    ScaleUnknownError,
    ScanReadError,
    ScanValidationError,
)

__version__ = "0.1.0"

# Heavier modules (FIND model, GLB export) load on first use only.
_LAZY = {
    "make_foot": "footscan._synthetic",
    "make_capture": "footscan._synthetic_capture",
    "write_capture": "footscan._synthetic_capture",
    "SyntheticFoot": "footscan._synthetic",
    "SyntheticCapture": "footscan._synthetic_capture",
    "export_glb": "footscan._export",
    "foot_mesh_glb_bytes": "footscan._export",
    "canonical_dimensions_mm": "footscan._synthetic",
    "foot_viewer": "footscan._viewer",
    "FootView": "footscan._viewer",
}

__all__ = [
    "PointCloud",
    "load_scan",
    "read_scan_bytes",
    "write_scan",
    "measure_scan",
    "measure_points",
    "measure_aligned",
    "ScanResult",
    "FootMeasurements",
    "Measurement",
    "Coverage",
    "QualityReport",
    "Sizes",
    "SizeTable",
    "sizes_from_measurements",
    "load_size_table",
    "default_size_table",
    "FootscanError",
    "MissingExtraError",
    "NotAFootError",
    "ScaleUnknownError",
    "ScanReadError",
    "ScanValidationError",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'footscan' has no attribute {name!r}")
