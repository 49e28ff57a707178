"""The one place that talks to :mod:`footscan` (reading, measuring, demo feet, GLB export)."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

__all__ = [
    "FOOT_POINTS_KEY",
    "SHAPE_MODEL_KEY",
    "shape_model_entry",
    "SCAN_EXTENSIONS",
    "demo_scan_ply",
    "is_refusal",
    "measure_file",
]

#: Key of the result dict carrying the foot points (``.npy`` bytes, float32, mm, foot frame);
#: popped before the measurements are stored, kept as an encrypted file for personal lasts.
FOOT_POINTS_KEY = "_foot_points_npy"
#: Key of the result dict carrying the fitted foot model (:func:`shape_model_entry`).
SHAPE_MODEL_KEY = "shape_model"


def _scan_formats() -> dict[str, str]:
    from footscan._io import SCAN_FORMATS

    return SCAN_FORMATS


#: File extensions accepted for scan uploads (footscan's readers).
SCAN_EXTENSIONS: tuple[str, ...] = tuple(sorted(_scan_formats()))


def _pipeline() -> Any:
    import footscan

    if hasattr(footscan, "measure_scan"):
        return footscan
    return importlib.import_module("footscan._pipeline")


def _result_dict(result: Any) -> dict[str, Any]:
    if isinstance(result, dict):
        return result
    for name in ("to_dict", "to_json_dict", "as_dict"):
        fn = getattr(result, name, None)
        if callable(fn):
            return fn()
    import footscan

    fn = getattr(footscan, "result_to_dict", None)
    if callable(fn):
        return fn(result)
    raise TypeError(f"cannot turn {type(result).__name__} into the footscan JSON dict")


def measure_file(path: Path, filename: str, units: str) -> tuple[dict[str, Any], bytes | None]:
    """Read and measure a stored scan.

    Returns
    -------
    measurements : dict
        footscan's JSON (side, ``*_mm``, sizes, quality).
    glb : bytes or None
        The cleaned, aligned foot as GLB (metres, +Y up), or None if it could not be meshed.

    The measurements also carry :data:`FOOT_POINTS_KEY`: the foot's points in footscan's foot
    frame (``.npy``), which the caller stores apart for the personal last.
    """
    import logging

    from footscan._io import read_scan_bytes

    cloud = read_scan_bytes(path.read_bytes(), filename, units)
    result = _pipeline().measure_scan(cloud)
    glb: bytes | None
    out = _result_dict(result)
    model = shape_model_entry(result)
    if model is not None:
        out = {**out, SHAPE_MODEL_KEY: model}
    points = getattr(result, "points_foot_mm", None)
    if points is not None:
        import io

        import numpy as np

        buf = io.BytesIO()
        np.save(buf, np.asarray(points, dtype=np.float32), allow_pickle=False)
        out = {**out, FOOT_POINTS_KEY: buf.getvalue()}
    try:
        from footscan._export import foot_mesh_glb_bytes

        glb = foot_mesh_glb_bytes(result)
    except (ImportError, ValueError, RuntimeError) as exc:
        logging.getLogger(__name__).warning("foot GLB export failed for %s: %s", filename, exc)
        glb = None
    return out, glb


def shape_model_entry(result: Any) -> dict[str, Any] | None:
    """The foot model footscan fitted to the capture, in a form that decodes on its own.

    footscan fits its shape model to the foot scaled to a nominal length
    (``result.model_scale`` input mm per fitted mm) and returns the fit's raw coefficients
    (``result.model_coeffs``: displacement weights of ``ShapeBasis.modes``, *not* divided by
    ``ShapeBasis.mode_sd``; left-foot convention). The basis is linear and its three scale
    modes are the mean shape's own axes, so the foot at its real size is exactly
    ``shape(s c + (s - 1) e_scale)`` with ``s = model_scale``. Stored: those real-size
    coefficients divided by ``mode_sd`` (``coeffs_sd``; the foot is
    ``basis.shape(coeffs_sd * mode_sd)`` mm in footscan's foot frame, left foot), plus the fit
    as footscan gave it (``fit_coeffs_sd`` at the nominal size and ``fit_scale``).

    Returns None when footscan did not expose the fit.
    """
    import numpy as np

    raw = getattr(result, "model_coeffs", None)
    scale = getattr(result, "model_scale", None)
    if raw is None or not isinstance(scale, int | float) or not scale > 0:
        return None
    from footscan._shape_model import load_shape_basis

    basis = load_shape_basis()
    raw = np.asarray(raw, dtype=np.float64)
    if raw.shape != (basis.n_modes,) or not np.all(np.isfinite(raw)):
        return None
    s = float(scale)
    real = s * raw
    for name in ("scale_x", "scale_y", "scale_z"):
        real[basis.mode_names.index(name)] += s - 1.0
    return {
        "coeffs_sd": [round(float(c), 5) for c in real / basis.mode_sd],
        "fit_coeffs_sd": [round(float(c), 5) for c in raw / basis.mode_sd],
        "fit_scale": round(s, 7),
        "modes": basis.n_modes,
        "frame": "footscan foot frame, left foot, real size; mm = shape(coeffs_sd * mode_sd)",
    }


def is_refusal(exc: BaseException) -> bool:
    """footscan refused the capture (its input errors) or the job's limits stopped it.

    Those are the shopper's to fix (rescan, a smaller file); anything else is a bug.
    """
    from footscan.exceptions import FootscanError
    from storefront.domain_errors import is_user_error

    return isinstance(exc, FootscanError) or is_user_error(exc)


def demo_scan_ply(foot_length_mm: float, side: str, seed: int) -> bytes:
    """A synthetic phone capture (floor, noise, outliers) of a foot of known length, as PLY bytes."""
    import tempfile

    from footscan import _synthetic
    from storefront.catalog.grading import average_ball_width_mm

    targets = {
        "foot_length_mm": foot_length_mm,
        "foot_breadth_mm": average_ball_width_mm(foot_length_mm),
    }
    foot = _synthetic.make_foot(seed, side=side, shape=False, targets=targets)
    capture = _synthetic.make_capture(foot, seed, units="mm", n_points=30_000)
    with tempfile.TemporaryDirectory() as tmp:
        out = _synthetic.write_capture(capture, Path(tmp) / "demo.ply")
        return out.read_bytes()
