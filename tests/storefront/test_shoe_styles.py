"""Shoe meshes that look like shoes (issue 10): distinct styles, built on each size's last.

The truth is geometric and independent of the style tables: surface samples of two styles' meshes
at the same size must occupy visibly different cells of a common grid, the upper's ball section
must be as wide as the last's ball width (plus the 1 mm the upper stands proud of it), and every
catalogue model must have a thumbnail PNG of its own.
"""

from __future__ import annotations

import io
import itertools
import json
import struct
from dataclasses import replace

import numpy as np
import pytest
import trimesh

from storefront.catalog import load_catalog
from storefront.catalog.build import default_assets_dir, default_thumbnails_dir
from storefront.catalog.glb import BALL_T, ShoeShape, shoe_meshes_mm
from storefront.catalog.styles import STYLES, shoe_style
from storefront.catalog.thumbnails import (
    THUMB_SIZE_PX,
    png_bytes,
    png_rgba,
    render_thumbnail,
    same_image,
)

#: Grid for the occupancy comparison: cells along length, width, height of a 330 x 130 x 200 mm box.
_GRID = (33, 13, 20)
_BOX_MM = np.array([330.0, 130.0, 200.0])


def _reference_shape() -> ShoeShape:
    return ShoeShape(
        last_length_mm=275.0,
        ball_width_mm=100.0,
        heel_width_mm=66.0,
        ball_girth_mm=245.0,
        drop_mm=8.0,
        forefoot_sole_mm=18.0,
        toe_spring_mm=10.0,
        toe_box="standard",
    )


def _occupancy(meshes: dict[str, trimesh.Trimesh]) -> set[tuple[int, int, int]]:
    """Grid cells that hold the shoe's surface (60,000 samples), in units of the shoe's length
    (so a bigger size of one style fills the same cells)."""
    both = trimesh.util.concatenate(list(meshes.values()))
    pts, _ = trimesh.sample.sample_surface(both, 60_000, seed=1)
    length = both.bounds[1, 2] - both.bounds[0, 2]
    pts = pts * (300.0 / length)
    rel = (pts[:, [2, 0, 1]] + [0.0, _BOX_MM[1] / 2, 0.0]) / _BOX_MM
    cells = np.floor(rel * _GRID).astype(int)
    return set(map(tuple, cells))


@pytest.fixture(scope="module")
def occupancy() -> dict[str, set[tuple[int, int, int]]]:
    shape = _reference_shape()
    return {s: _occupancy(shoe_meshes_mm(shape, s)) for s in STYLES}


def test_every_style_is_visibly_different_from_every_other(occupancy) -> None:
    # Share of the occupied cells the two shoes do not share (Jaccard distance): the same mesh
    # in another colour scores 0, one lace bar more ~0.02, one style a size up 0.04-0.10 (checked
    # below: the sole does not grow with the size); two styles must differ by more than that.
    shape = _reference_shape()
    bigger = replace(shape, last_length_mm=282.0, ball_width_mm=102.0, ball_girth_mm=250.0)
    for style in STYLES:
        same = _occupancy(shoe_meshes_mm(bigger, style))
        assert 1.0 - len(same & occupancy[style]) / len(same | occupancy[style]) < 0.10, style
    worst = 1.0
    for a, b in itertools.combinations(STYLES, 2):
        ca, cb = occupancy[a], occupancy[b]
        distance = 1.0 - len(ca & cb) / len(ca | cb)
        worst = min(worst, distance)
        assert distance > 0.12, (a, b, round(distance, 3))
    assert worst < 0.6  # they are still all shoes of one size


def test_the_catalogue_uses_at_least_nine_styles() -> None:
    cat = load_catalog()
    styles = {shoe_style(m.category, m.name) for m in cat.models}
    assert len(styles) >= 9, styles
    assert shoe_style("trail", "Moss Trek") == "boot"
    assert shoe_style("dress", "Windsor Brogue") == "brogue"
    assert shoe_style("comfort", "Anchor Care") == "sandal"


def test_committed_glbs_differ_between_styles() -> None:
    cat = load_catalog()
    first: dict[str, bytes] = {}
    for m in cat.models:
        first.setdefault(
            shoe_style(m.category, m.name), (default_assets_dir() / m.glb).read_bytes()
        )
    outlines = {}
    for style, data in first.items():
        scene = trimesh.load(io.BytesIO(data), file_type="glb")
        assert set(scene.graph.nodes_geometry) == {"upper", "sole", "accent"}, style
        lo, hi = scene.bounds
        outlines[style] = (hi - lo) / (hi[2] - lo[2])  # width, height per unit length
    heights = sorted(round(float(v[1]), 2) for v in outlines.values())
    # A boot stands far taller than a sandal or an oxford for its length.
    assert outlines["boot"][1] > 1.35 * outlines["oxford"][1]
    assert outlines["sandal"][1] < outlines["runner"][1]
    assert len(set(heights)) >= 7, heights


@pytest.mark.parametrize("style", [s for s in STYLES if s != "sandal"])
def test_the_upper_is_built_on_the_last_of_its_size(style: str) -> None:
    for eu_len, ball_w in ((250.0, 92.0), (290.0, 106.0)):
        shape = ShoeShape(eu_len, ball_w, 0.66 * ball_w, 2.45 * ball_w, 8.0, 18.0, 10.0, "standard")
        upper = shoe_meshes_mm(shape, style)["upper"]
        z = BALL_T * eu_len + 3.0
        sec = upper.section(plane_origin=[0.0, 0.0, z], plane_normal=[0.0, 0.0, 1.0])
        xs = sec.vertices[:, 0]
        assert xs.max() - xs.min() == pytest.approx(ball_w + 2.0, abs=1.0)
        lo, hi = upper.bounds
        assert hi[2] - lo[2] == pytest.approx(eu_len, abs=1.0)


def test_unknown_style_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown shoe style"):
        shoe_meshes_mm(_reference_shape(), "clog")


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_every_product_has_its_own_thumbnail() -> None:
    cat = load_catalog()
    digests = set()
    for m in cat.models:
        data = (default_thumbnails_dir() / f"{m.id}.png").read_bytes()
        assert _png_size(data) == THUMB_SIZE_PX
        digests.add(data)
    assert len(digests) == len(cat.models)


def test_thumbnail_is_drawn_from_the_mesh() -> None:
    # A red box on the left half of the picture: the renderer puts colour where the mesh is.
    box = trimesh.creation.box(extents=[40.0, 40.0, 200.0])
    img = render_thumbnail(
        {"upper": box}, {"upper": "#ff0000"}, (120, 80), yaw_deg=-90, pitch_deg=0
    )
    assert img.shape == (80, 120, 4)
    inside = img[img[..., 3] == 255]
    assert len(inside) > 0.5 * 120 * 80 * 0.9 * 0.2  # the side of the box fills the frame's width
    assert (inside[:, 0] > inside[:, 1] + 60).all()  # red, shaded
    assert img[0, 0, 3] == 0  # transparent background
    data = png_bytes(img)
    assert _png_size(data) == (120, 80)
    assert json.dumps(list(data[12:16].decode())) == '["I", "H", "D", "R"]'


def test_committed_thumbnails_are_up_to_date() -> None:
    # Rebuilt from the catalogue document (about 2 s a model): one model per kind of sole.
    from storefront.catalog.build import generate_catalog, model_thumbnail_png

    doc = generate_catalog(load_catalog().seed)
    wanted = {"norma-windsor-pump", "velox-ember-gtx", "kindred-anchor-care"}
    for m in doc["models"]:
        if m["id"] in wanted:
            committed = (default_thumbnails_dir() / f"{m['id']}.png").read_bytes()
            # up to a few edge pixels: numpy's kernels differ in the last bit between CPUs
            assert same_image(model_thumbnail_png(m), committed), m["id"]


def test_same_image_takes_edge_pixels_not_another_render() -> None:
    png = (default_thumbnails_dir() / f"{load_catalog().models[0].id}.png").read_bytes()
    img = png_rgba(png)
    assert np.array_equal(png_rgba(png_bytes(img)), img)
    few = img.copy()
    few[np.arange(10), np.arange(10) * 3] ^= 0x10  # 10 edge-like pixels
    assert same_image(png, png_bytes(few))
    brighter = np.clip(img.astype(int) + 3, 0, 255).astype(np.uint8)  # another colour
    assert not same_image(png, png_bytes(brighter))
    assert not same_image(png, png_bytes(img[:, :-1].copy()))


def test_pump_stands_on_a_real_heel() -> None:
    """The pump's heel seat is raised on a post: ground contact only under the heel post and
    the forefoot, open air under the arch, the seat at the style's heel height."""
    shape = _reference_shape()
    length = shape.last_length_mm
    sole = shoe_meshes_mm(shape, "pump")["sole"]
    v = sole.vertices
    assert sole.is_watertight
    on_ground = v[v[:, 1] < 1.0]
    # touches the ground at the heel post (rear ~15 %) and under the ball, nowhere between
    assert (on_ground[:, 2] < 0.16 * length).any() and (on_ground[:, 2] > 0.6 * length).any()
    arch = v[(v[:, 2] > 0.2 * length) & (v[:, 2] < 0.45 * length)]
    assert arch[:, 1].min() > 10.0  # mm of air under the arch (the shank descends to the ball)
    seat = v[(v[:, 2] > 0.05 * length) & (v[:, 2] < 0.15 * length)]
    assert 60.0 < seat[:, 1].max() < 95.0  # the heel seat sits at a 75 mm heel
    # a heel post, not a block: at half its height it is much narrower than the sole
    mid = v[(np.abs(v[:, 1] - 35.0) < 5.0) & (v[:, 2] < 0.25 * length)]
    assert np.ptp(mid[:, 0]) < 0.5 * shape.heel_width_mm
    assert shoe_style("dress", "Windsor Pump") == "pump"
    assert "pump" in {shoe_style(m.category, m.name) for m in load_catalog().models}
