"""The FIND foot template and generative model (Boyne et al., MIT licence), from ``footscan/data/find``.

* High-resolution template (FOCUS, 44,395 vertices, metres, +Z up, +X heel -> toe, -Y medial
  for this left foot), stored as ``footscan/data/find/template_hires.npz`` with its keypoints.
* Low-resolution FIND model (ONNX, 1,002 vertices). Its displacement for shape coefficients
  ``c`` minus its displacement at ``c = 0`` is a smooth shape change; we carry it to the
  high-resolution template by Gaussian-weighted interpolation from the 1,002 model vertices.

``onnxruntime`` is the optional extra ``model``; it is imported only when a shape is asked for.
"""

from __future__ import annotations

import importlib.resources
import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from footscan.exceptions import FootscanError, MissingExtraError

__all__ = ["assets_dir", "find_shape_displacement_m", "load_find_template"]

# Gaussian interpolation of the low-res displacement: the model's vertices are ~10 mm apart.
_INTERP_K = 12
_INTERP_SIGMA_M = 0.008


def assets_dir() -> Path:
    """Folder of bundled assets (``find/``, ``ansur/``, ``demo/``): ``$SHOESTREET_ASSETS``, else
    the package data ``footscan/data`` (the same in a checkout and an installed wheel)."""
    override = os.environ.get("SHOESTREET_ASSETS")
    if override:
        return Path(override)
    return Path(str(importlib.resources.files("footscan") / "data"))


@lru_cache(maxsize=1)
def load_find_template() -> tuple[NDArray[np.float64], NDArray[np.int64], dict[str, int]]:
    """The high-resolution FIND template.

    Returns
    -------
    vertices_m : (44395, 3) float64
        Metres, template frame (sole not on z = 0).
    faces : (88786, 3) int64
    keypoints : dict
        Keypoint name (``"big toe"``, ``"2nd toe"``, ``"heel"``...) -> vertex index.
    """
    path = assets_dir() / "find" / "template_hires.npz"
    try:
        with np.load(path) as npz:
            verts = npz["vertices_m"].astype(np.float64)
            faces = npz["faces"].astype(np.int64)
            names = [str(n) for n in npz["keypoint_names"]]
            idx = npz["keypoint_index"].astype(np.int64)
    except (OSError, KeyError, ValueError) as exc:
        raise FootscanError(f"bundled FIND template unreadable at {path}: {exc}") from None
    verts.setflags(write=False)
    faces.setflags(write=False)
    return verts, faces, dict(zip(names, idx.tolist()))


@lru_cache(maxsize=1)
def _find_model() -> tuple[object, NDArray[np.float32], dict[str, dict[str, list]]]:
    try:
        import onnxruntime as ort
    except ImportError:
        raise MissingExtraError("model", "onnxruntime") from None
    root = assets_dir() / "find"
    opts = ort.SessionOptions()
    # Two shared cores: one thread is enough for a 1,002-point forward pass.
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    session = ort.InferenceSession(
        str(root / "model.onnx"), sess_options=opts, providers=["CPUExecutionProvider"]
    )
    latents = json.loads((root / "latents.json").read_text(encoding="utf-8"))
    low = _read_obj_vertices(root / "template_lowres.obj").astype(np.float32)
    return session, low, latents


def _read_obj_vertices(path: Path) -> NDArray[np.float64]:
    rows = [
        line.split()[1:4]
        for line in path.read_text(encoding="ascii").splitlines()
        if line.startswith("v ")
    ]
    return np.asarray(rows, dtype=np.float64)


def _latent(latents: dict[str, dict[str, list]], key: str, coeffs: NDArray[np.float64]) -> NDArray:
    block = latents[key]
    vec = np.asarray(block["mean"], dtype=np.float64).copy()
    v = np.asarray(block["V"], dtype=np.float64)
    sd = np.asarray(block["stddev"], dtype=np.float64)
    for i, c in enumerate(coeffs):
        vec += c * sd[i] * v[i]
    return vec


def _low_res_displacement(coeffs: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
    session, low, latents = _find_model()
    n = low.shape[0]

    def rep(vec: NDArray) -> NDArray[np.float32]:
        return np.repeat(np.asarray(vec, dtype=np.float32)[None, :], n, axis=0)

    feeds = {
        "points": low,
        "shapevec": rep(_latent(latents, "shape", coeffs)),
        "texvec": rep(_latent(latents, "tex", np.zeros(3))),
        "posevec": rep(_latent(latents, "pose", np.zeros(3))),
    }
    disp = session.run(["disp"], feeds)[0]  # type: ignore[attr-defined]
    return low.astype(np.float64), np.asarray(disp, dtype=np.float64)


def find_shape_displacement_m(shape_coeffs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Shape change of the FIND model, carried to the high-resolution template.

    Parameters
    ----------
    shape_coeffs : (3,) float64
        Coefficients of the first three shape principal directions, in standard deviations.

    Returns
    -------
    (44395, 3) float64
        Displacement (m) to add to :func:`load_find_template` vertices.
    """
    from scipy.spatial import cKDTree

    coeffs = np.asarray(shape_coeffs, dtype=np.float64).reshape(3)
    low, disp0 = _mean_displacement()
    _, disp = _low_res_displacement(coeffs)
    delta = disp - disp0
    # Sites: the low-res mean shape, which lies within a few mm of the high-res template.
    sites = low + disp0
    verts, _, _ = load_find_template()
    dist, idx = cKDTree(sites).query(verts, k=_INTERP_K)
    w = np.exp(-0.5 * (dist / _INTERP_SIGMA_M) ** 2) + 1e-12
    w /= w.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", w, delta[idx])


@lru_cache(maxsize=1)
def _mean_displacement() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    return _low_res_displacement(np.zeros(3))
