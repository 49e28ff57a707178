"""Build the linear foot shape basis shipped in ``footscan/data/find/shape_basis.npz`` (offline).

The FIND generative model (Boyne et al., MIT) is a neural network: fitting it to every capture
would need its ONNX session and gradients at run time. Instead we sample it once here over its
shape and pose latent spaces, carry the displacements to a decimated copy of the FIND template
(~6k vertices, ~4 mm edges) and keep the principal components. The run-time fit
(``footscan._fit``) is then a linear least-squares problem per ICP iteration.

Run from the project root (needs the ``model`` extra and open3d)::

    .venv/bin/python scripts/build_shape_basis.py

The output is deterministic for a given seed and library versions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from footscan._find import _find_model, _latent, load_find_template  # noqa: E402

TARGET_FACES = 12_000
N_SAMPLES = 400
VARIANCE_KEPT = 0.999
MAX_MODES = 16  # mode 16 moves a vertex by ~0.2 mm RMS: below scan noise
INTERP_K = 12
INTERP_SIGMA_M = 0.008


def decimate(verts_m: np.ndarray, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import open3d as o3d

    mesh = o3d.geometry.TriangleMesh(
        o3d.utility.Vector3dVector(verts_m), o3d.utility.Vector3iVector(faces.astype(np.int32))
    )
    low = mesh.simplify_quadric_decimation(TARGET_FACES)
    low.remove_unreferenced_vertices()
    low.remove_degenerate_triangles()
    return np.asarray(low.vertices, dtype=np.float64), np.asarray(low.triangles, dtype=np.int64)


def low_res_displacements(shape_c: np.ndarray, pose_c: np.ndarray) -> np.ndarray:
    session, low, latents = _find_model()
    n = low.shape[0]

    def rep(vec: np.ndarray) -> np.ndarray:
        return np.repeat(np.asarray(vec, dtype=np.float32)[None, :], n, axis=0)

    feeds = {
        "points": low,
        "shapevec": rep(_latent(latents, "shape", shape_c)),
        "texvec": rep(_latent(latents, "tex", np.zeros(3))),
        "posevec": rep(_latent(latents, "pose", pose_c)),
    }
    return np.asarray(session.run(["disp"], feeds)[0], dtype=np.float64)  # type: ignore[attr-defined]


def canonical_frame(v_mm: np.ndarray, toe2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotation and offset putting the foot in the footscan frame (floor z=0, X heel->2nd toe)."""
    v = v_mm.copy()
    rot = np.eye(3)
    z0 = v[:, 2].min()
    for _ in range(4):
        w = (v - [0, 0, z0]) @ rot.T
        low = w[w[:, 2] <= 40.0]
        p = low[np.argmin(low[:, 0])]
        near = low[np.linalg.norm(low - p, axis=1) <= 20.0]
        hc = near[:, :2].mean(axis=0)
        t = ((toe2 - [0, 0, z0]) @ rot.T)[:2]
        ang = np.arctan2(t[1] - hc[1], t[0] - hc[0])
        c, s = np.cos(-ang), np.sin(-ang)
        rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]]) @ rot
    w = (v - [0, 0, z0]) @ rot.T
    low = w[w[:, 2] <= 40.0]
    p = low[np.argmin(low[:, 0])]
    offset = np.array([p[0], p[1], 0.0])
    return rot, np.array([0, 0, z0]) + offset @ rot  # w = (v - off) @ rot.T


def main() -> None:
    from scipy.spatial import cKDTree

    hv, hf, kp = load_find_template()
    dv, df = decimate(np.array(hv), np.array(hf))
    tree_h = cKDTree(hv)
    # Keypoints: the decimated vertex nearest to each high-resolution keypoint.
    kp_names = list(kp)
    kp_idx = cKDTree(dv).query(hv[[kp[n] for n in kp_names]])[1]

    session, low, latents = _find_model()
    low = low.astype(np.float64)
    disp0 = low_res_displacements(np.zeros(3), np.zeros(3))
    sites = low + disp0
    dist, idx = cKDTree(sites).query(dv, k=INTERP_K)
    w = np.exp(-0.5 * (dist / INTERP_SIGMA_M) ** 2) + 1e-12
    w /= w.sum(axis=1, keepdims=True)

    rng = np.random.default_rng(20261130)
    poses = np.array([ex["pca"] for ex in latents["pose_examples"]], dtype=np.float64)
    samples = []
    for i in range(N_SAMPLES):
        shape_c = np.clip(rng.standard_normal(3), -2.5, 2.5)
        pose_c = poses[rng.integers(len(poses))] if i % 2 else np.zeros(3)
        d = low_res_displacements(shape_c, pose_c) - disp0
        samples.append(np.einsum("nk,nkd->nd", w, d[idx]))
    disp = np.stack(samples) * 1000.0  # (S, N, 3) mm

    mean_mm = dv * 1000.0
    toe2 = mean_mm[kp_idx[kp_names.index("2nd toe")]]
    rot, off = canonical_frame(mean_mm, toe2)
    mean_c = (mean_mm - off) @ rot.T
    disp_c = disp @ rot.T
    flat = disp_c.reshape(len(samples), -1)
    centre = flat.mean(axis=0)
    u, s, vt = np.linalg.svd(flat - centre, full_matrices=False)
    var = s**2 / (s**2).sum()
    k = min(MAX_MODES, int(np.searchsorted(np.cumsum(var), VARIANCE_KEPT) + 1))
    sd = s[:k] / np.sqrt(len(samples) - 1)
    modes = vt[:k].reshape(k, -1, 3)
    mean_final = mean_c + centre.reshape(-1, 3)
    # Re-seat on the floor with the pternion at the origin after adding the sample mean.
    rot2, off2 = canonical_frame(mean_final, mean_final[kp_idx[kp_names.index("2nd toe")]])
    mean_final = (mean_final - off2) @ rot2.T
    modes = modes @ rot2.T
    # The ankle cap of the template (121-150 mm) is not foot surface: mark it.
    _, nearest_h = tree_h.query(dv)
    masked = np.load(ROOT.parent / "shared/data/footscan/find_template/templ_masked_faces.npy")
    cap_vertices = np.zeros(hv.shape[0], dtype=bool)
    cap_vertices[np.unique(np.asarray(hf)[masked])] = True
    out = ROOT / "footscan" / "data" / "find" / "shape_basis.npz"
    np.savez_compressed(
        out,
        mean_mm=mean_final.astype(np.float32),
        faces=df.astype(np.int32),
        modes=modes.astype(np.float32),
        mode_sd=sd.astype(np.float32),
        keypoint_names=np.array(kp_names),
        keypoint_index=kp_idx.astype(np.int32),
        cap_vertex=cap_vertices[nearest_h],
    )
    print(
        f"{out}: {dv.shape[0]} vertices, {df.shape[0]} faces, {k} modes "
        f"({np.cumsum(var)[k - 1]:.4f} of variance), sd (mm) {np.round(sd, 1).tolist()}"
    )


if __name__ == "__main__":
    main()
