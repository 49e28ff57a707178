"""footscan: foot point clouds and meshes -> clean aligned foot -> measurements -> shoe sizes."""

from footscan._cloud import PointCloud
from footscan.exceptions import (
    FootscanError,
    MissingExtraError,
    NotAFootError,
    ScaleUnknownError,
    ScanReadError,
    ScanValidationError,
)

__version__ = "0.1.0"

__all__ = [
    "PointCloud",
    "FootscanError",
    "MissingExtraError",
    "NotAFootError",
    "ScaleUnknownError",
    "ScanReadError",
    "ScanValidationError",
]
