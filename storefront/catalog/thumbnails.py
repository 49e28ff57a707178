"""Product thumbnails: the catalogue's shoe meshes drawn to small PNG images at build time.

A small software rasteriser (numpy z-buffer, smooth Lambert shading with a sky/ground fill, 3x3
supersampling) draws the same meshes the browser shows, three-quarters from the outer side, on a
transparent background; :func:`png_bytes` writes the image with zlib (no imaging library). The
images are a pure function of the meshes, so ``python -m storefront.catalog.build --check`` can
tell a stale one.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Mapping

import numpy as np
import trimesh

__all__ = ["THUMB_SIZE_PX", "render_thumbnail", "png_bytes", "png_rgba", "same_image"]

#: Width and height of a thumbnail, pixels.
THUMB_SIZE_PX: tuple[int, int] = (240, 150)
_SUPERSAMPLE = 3
_LIGHT = np.array([0.45, 0.80, 0.40])  # key light direction (view space, towards the light)


def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    srgb = np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], float) / 255.0
    return srgb**2.2  # shade in linear light


def _view_matrix(yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Rotation taking the shoe frame (+Y up, toe +Z) to view space (+Z towards the viewer)."""
    y, p = math.radians(yaw_deg), math.radians(pitch_deg)
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    return rx @ ry


def render_thumbnail(
    meshes: Mapping[str, trimesh.Trimesh],
    colours: Mapping[str, str],
    size_px: tuple[int, int] = THUMB_SIZE_PX,
    yaw_deg: float = -118.0,
    pitch_deg: float = 30.0,
) -> np.ndarray:
    """Draw named meshes (any unit) as an RGBA image, ``(height, width, 4)`` uint8.

    Parameters
    ----------
    meshes : mapping
        ``{"sole": mesh, "upper": mesh, "accent": mesh}`` in the shoe frame (+Y up, toe +Z).
    colours : mapping
        ``{name: "#rrggbb"}`` for each mesh.
    size_px : (int, int)
        Width and height of the image, pixels.
    yaw_deg, pitch_deg : float
        View direction: turn about +Y, then tilt down, degrees.
    """
    w_px, h_px = size_px
    s = _SUPERSAMPLE
    W, H = w_px * s, h_px * s
    rot = _view_matrix(yaw_deg, pitch_deg)
    items = []
    for name, mesh in meshes.items():
        v = np.asarray(mesh.vertices, float) @ rot.T
        n = np.asarray(mesh.vertex_normals, float) @ rot.T
        items.append((v, n, np.asarray(mesh.faces), _rgb(colours[name])))
    allv = np.vstack([it[0] for it in items])
    lo, hi = allv.min(axis=0), allv.max(axis=0)
    scale = 0.9 * min(W / (hi[0] - lo[0]), H / (hi[1] - lo[1]))
    centre = 0.5 * (lo + hi)
    depth = np.full((H, W), -np.inf)
    colour = np.zeros((H, W, 3))
    light = _LIGHT / np.linalg.norm(_LIGHT)
    for v, n, faces, base in items:
        px = (v[:, 0] - centre[0]) * scale + W / 2
        py = H / 2 - (v[:, 1] - centre[1]) * scale
        pz = v[:, 2]
        for f in faces:
            a, b, c = f
            x0, x1 = math.floor(min(px[a], px[b], px[c])), math.ceil(max(px[a], px[b], px[c]))
            y0, y1 = math.floor(min(py[a], py[b], py[c])), math.ceil(max(py[a], py[b], py[c]))
            x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, W - 1), min(y1, H - 1)
            if x1 < x0 or y1 < y0:
                continue
            det = (py[b] - py[c]) * (px[a] - px[c]) + (px[c] - px[b]) * (py[a] - py[c])
            if abs(det) < 1e-12:
                continue
            xs, ys = np.meshgrid(np.arange(x0, x1 + 1) + 0.5, np.arange(y0, y1 + 1) + 0.5)
            l0 = ((py[b] - py[c]) * (xs - px[c]) + (px[c] - px[b]) * (ys - py[c])) / det
            l1 = ((py[c] - py[a]) * (xs - px[c]) + (px[a] - px[c]) * (ys - py[c])) / det
            l2 = 1.0 - l0 - l1
            inside = (l0 >= -1e-9) & (l1 >= -1e-9) & (l2 >= -1e-9)
            if not inside.any():
                continue
            z = l0 * pz[a] + l1 * pz[b] + l2 * pz[c]
            win = depth[y0 : y1 + 1, x0 : x1 + 1]
            front = inside & (z > win)
            if not front.any():
                continue
            nn = l0[..., None] * n[a] + l1[..., None] * n[b] + l2[..., None] * n[c]
            nn /= np.linalg.norm(nn, axis=-1, keepdims=True) + 1e-12
            if nn[front][:, 2].mean() < 0.0:  # a back face seen through a gap: shade it as front
                nn = -nn
            lambert = np.clip(nn @ light, 0.0, 1.0)
            sky = 0.5 + 0.5 * nn[..., 1]
            shade = 0.30 + 0.75 * lambert + 0.22 * sky
            win[front] = z[front]
            colour[y0 : y1 + 1, x0 : x1 + 1][front] = base * shade[front][:, None]
    alpha = np.isfinite(depth).astype(float)
    srgb = np.clip(colour, 0.0, 1.0) ** (1 / 2.2)
    img = np.concatenate([srgb * alpha[..., None], alpha[..., None]], axis=-1)
    img = img.reshape(h_px, s, w_px, s, 4).mean(axis=(1, 3))
    rgb = img[..., :3] / np.maximum(img[..., 3:], 1e-6)  # un-premultiply the edge pixels
    out = np.concatenate([rgb, img[..., 3:]], axis=-1)
    return np.round(np.clip(out, 0.0, 1.0) * 255).astype(np.uint8)


def png_bytes(rgba: np.ndarray) -> bytes:
    """An RGBA ``(height, width, 4)`` uint8 image as PNG bytes (8-bit, no filter, zlib level 9)."""
    h, w, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[y].tobytes() for y in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def png_rgba(data: bytes) -> np.ndarray:
    """The ``(height, width, 4)`` uint8 image of a PNG written by :func:`png_bytes`.

    Raises
    ------
    ValueError
        For any other PNG (filters, bit depths and colour types other than ours).
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    off, idat, size = 8, b"", (0, 0)
    while off + 8 <= len(data):
        (n,) = struct.unpack_from(">I", data, off)
        kind, body = data[off + 4 : off + 8], data[off + 8 : off + 8 + n]
        off += 12 + n
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack_from(">IIBB", body)
            if (depth, colour) != (8, 6):
                raise ValueError("only 8-bit RGBA PNGs are read")
            size = (h, w)
        elif kind == b"IDAT":
            idat += body
    h, w = size
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 4 * w + 1)
    if raw[:, 0].any():
        raise ValueError("filtered PNG rows are not read")
    return raw[:, 1:].reshape(h, w, 4)


#: Share of pixels that may differ between two renders of one model (see :func:`same_image`).
MAX_CHANGED_SHARE = 0.002


def same_image(a: bytes, b: bytes) -> bool:
    """Are two thumbnails renders of the same model, up to a few edge pixels?

    numpy's sines, cosines and square roots differ in the last bit between CPUs (its SIMD
    kernels are chosen by the machine), which can move a triangle edge across a pixel: one of
    the committed thumbnails rebuilt on an AMD EPYC differed from the Intel Xeon build in 14 of
    36,000 pixels (at most 23 levels), the others not at all. A stale thumbnail (another shape
    or colour) changes thousands. Accepted: the same size, at most 0.2 % of pixels changed.
    """
    if a == b:
        return True
    ia, ib = png_rgba(a), png_rgba(b)
    if ia.shape != ib.shape:
        return False
    changed = np.any(ia != ib, axis=2)
    return bool(changed.mean() <= MAX_CHANGED_SHARE)
