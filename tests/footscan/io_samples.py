"""Small scan files built in memory for the reader tests."""

from __future__ import annotations

import io

import numpy as np


def binary_ply(n: int = 2000) -> bytes:
    """A binary little-endian PLY of ``n`` random points (metres) and their triangles."""
    buf = io.BytesIO()
    pts = np.random.default_rng(3).uniform([0, 0, 0], [0.26, 0.1, 0.09], (n, 3))
    faces = np.arange(n - n % 3).reshape(-1, 3)
    header = (
        f"ply\nformat binary_little_endian 1.0\nelement vertex {n}\nproperty float x\n"
        f"property float y\nproperty float z\nelement face {len(faces)}\n"
        "property list uchar int vertex_indices\nend_header\n"
    )
    buf.write(header.encode())
    buf.write(pts.astype("<f4").tobytes())
    rec = np.empty(len(faces), dtype=[("n", "u1"), ("i", "<i4", 3)])
    rec["n"], rec["i"] = 3, faces
    buf.write(rec.tobytes())
    return buf.getvalue()
