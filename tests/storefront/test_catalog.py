"""Catalog: grading rules, generated assets, loader validation and procedural meshes."""

from __future__ import annotations

import copy
import io
import json

import numpy as np
import pytest
import trimesh

from storefront.catalog import CATEGORIES, load_catalog
from storefront.catalog.build import (
    build_assets,
    catalog_json_bytes,
    default_assets_dir,
    generate_catalog,
    main,
)
from storefront.catalog.glb import BALL_T
from storefront.catalog.glb_compare import same_glb
from storefront.catalog.grading import (
    PARIS_POINT_MM,
    last_length_mm,
    mondopoint,
    size_row,
    uk_size,
    us_sizes,
)
from storefront.catalog.last_glb import last_glb_bytes, last_mesh
from storefront.catalog.models import Catalog
from storefront.domain_errors import CatalogError, UnknownModel, UnknownSize


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_grading_known_answers() -> None:
    # EU 42 = 1.5 * 28 cm last; UK = 3 * last_in - 25; footscan §3.
    assert last_length_mm(42) == pytest.approx(280.0)
    assert last_length_mm(43) - last_length_mm(42) == pytest.approx(PARIS_POINT_MM)
    assert uk_size(42) == (8.0, False)
    assert us_sizes(42) == (9.0, 10.5)
    assert mondopoint(42) == 265
    uk, child = uk_size(28)
    assert child and uk == 10.0
    a, b = size_row(42, "D"), size_row(43, "D")
    girth_step = b["ball_girth_mm"] - a["ball_girth_mm"]
    assert 4.5 <= girth_step <= 6.5
    assert size_row(42, "2E")["ball_girth_mm"] - a["ball_girth_mm"] == pytest.approx(13.0, abs=0.1)
    with pytest.raises(ValueError, match="unknown width"):
        size_row(42, "Z")


def test_street_meets_the_brief(catalog: Catalog) -> None:
    assert len(catalog.shops) >= 6
    assert any(s.size_offset_mm == 0.0 for s in catalog.shops)
    assert len(catalog.models) >= 40
    assert {m.category for m in catalog.models} == set(CATEGORIES)
    for m in catalog.models:
        assert m.colourways and m.sizes
        for s in m.sizes:
            assert set(s.stock) == {c.id for c in m.colourways}
            # Each row follows the grading rules for its size and width.
            assert s.last_length_mm == pytest.approx(last_length_mm(s.eu), abs=0.05)
        if m.category == "kids":
            assert max(s.eu for s in m.sizes) <= 36
    widths = {w for m in catalog.models for w in m.widths}
    assert {"D", "2E", "4E"} <= widths


def test_assets_are_reproducible_from_the_seed(catalog: Catalog, tmp_path) -> None:
    doc = generate_catalog(catalog.seed)
    assert (default_assets_dir() / "catalog.json").read_bytes() == catalog_json_bytes(doc)
    digests = build_assets(tmp_path, catalog.seed)
    assert len(digests) == len(catalog.models) + 1
    for rel in digests:  # the committed assets, up to the last bits of floats (see same_glb)
        built, committed = (tmp_path / rel).read_bytes(), (default_assets_dir() / rel).read_bytes()
        assert built == committed if rel.endswith(".json") else same_glb(built, committed), rel
    (tmp_path / doc["models"][0]["glb"]).write_bytes(b"stale")
    assert main(["--check", "--out", str(tmp_path)]) == 1
    assert not list(tmp_path.rglob("*.tmp"))
    assert generate_catalog(catalog.seed + 1) != doc


def test_assets_are_small(catalog: Catalog) -> None:
    root = default_assets_dir()
    sizes = [(root / m.glb).stat().st_size for m in catalog.models]
    assert max(sizes) < 300_000
    assert sum(sizes) + (root / "catalog.json").stat().st_size < 8_000_000


def test_glb_has_named_pbr_nodes(catalog: Catalog) -> None:
    m = catalog.models[0]
    data = (default_assets_dir() / m.glb).read_bytes()
    scene = trimesh.load(io.BytesIO(data), file_type="glb")
    assert set(scene.graph.nodes_geometry) == {"upper", "sole", "accent"}
    lo, hi = scene.bounds
    assert lo[1] == pytest.approx(0.0, abs=1e-6) and lo[2] == pytest.approx(0.0, abs=1e-6)
    ref = m.glb_reference["last_length_mm"] / 1000.0
    assert ref < hi[2] < ref + 0.02  # metres, toe along +Z, sole a little longer than the last
    gltf = json.loads(data[20 : 20 + int.from_bytes(data[12:16], "little")])
    for mat in gltf["materials"]:
        assert mat["pbrMetallicRoughness"]["metallicFactor"] == 0.0
    assert {n["name"] for n in gltf["nodes"]} >= {"upper", "sole", "accent"}


def test_last_mesh_matches_its_size(catalog: Catalog) -> None:
    m = catalog.model(catalog.models[0].id)
    s = m.sizes[len(m.sizes) // 2]
    mesh = last_mesh(m, s)
    assert mesh.is_watertight
    assert mesh.extents[2] == pytest.approx(s.last_length_mm, abs=0.5)
    assert mesh.extents[0] == pytest.approx(s.ball_width_mm, rel=0.05)
    sec = mesh.section(plane_origin=[0, 0, BALL_T * s.last_length_mm], plane_normal=[0, 0, 1])
    poly = sec.to_2D()[0].polygons_full[0]
    assert poly.exterior.length == pytest.approx(s.ball_girth_mm, rel=0.02)
    bigger = last_mesh(m, m.sizes[-1].eu, m.sizes[-1].width)
    assert bigger.extents[2] > mesh.extents[2]
    scene = trimesh.load(io.BytesIO(last_glb_bytes(m, s)), file_type="glb")
    assert scene.extents[2] == pytest.approx(s.last_length_mm / 1000.0, abs=1e-3)  # metres


def test_lookups_and_bad_input(catalog: Catalog, tmp_path) -> None:
    m = catalog.models[0]
    assert catalog.model(m.id) is m
    assert m.brand_offset_mm == catalog.shop(m.shop_id).size_offset_mm
    with pytest.raises(UnknownModel, match="no shoe model"):
        catalog.model("../etc/passwd")
    with pytest.raises(UnknownSize, match="EU 99"):
        m.size(99)
    doc = copy.deepcopy(catalog.to_dict())
    doc["models"][0]["sizes"][0]["stock"] = {"nope": 3}
    with pytest.raises(CatalogError, match="unknown colourways"):
        Catalog.from_dict(doc)
    doc = copy.deepcopy(catalog.to_dict())
    doc["models"][0]["category"] = "sandals"
    with pytest.raises(CatalogError, match="category"):
        Catalog.from_dict(doc)
    doc = copy.deepcopy(catalog.to_dict())
    doc["models"][0]["glb"] = "../../secret.glb"
    with pytest.raises(CatalogError, match="relative path"):
        Catalog.from_dict(doc)
    bad = tmp_path / "c.json"
    bad.write_text("{not json")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_catalog(bad)
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "missing.json")
    assert Catalog.from_dict(catalog.to_dict()).to_dict() == catalog.to_dict()
    assert np.isfinite([s.ball_girth_mm for s in m.sizes]).all()


def test_try_on_shoe_is_built_for_the_size_not_stretched(client) -> None:  # type: ignore[no-untyped-def]
    """model.glb?size= builds the shoe from that size's last: its length grows by the last
    length difference while its height follows the ball girth, not one common scale."""
    m = next(m for m in load_catalog().models if m.category == "running")
    small, big = m.sizes[0], m.sizes[-1]

    def extents(size) -> np.ndarray:  # type: ignore[no-untyped-def]
        r = client.get(f"/api/shoes/{m.id}/model.glb?size={size.eu:g}&width={size.width}")
        assert r.status_code == 200 and r.data[:4] == b"glTF"
        scene = trimesh.load(io.BytesIO(r.data), file_type="glb")
        return np.ptp(scene.dump(concatenate=True).vertices, axis=0) * 1000.0  # mm

    e_small, e_big = extents(small), extents(big)
    # length (Z) follows the last length within the sole's margin
    assert e_big[2] - e_small[2] == pytest.approx(
        big.last_length_mm - small.last_length_mm, abs=3.0
    )
    assert e_big[2] > e_small[2] and e_big[0] > e_small[0]
    assert client.get(f"/api/shoes/{m.id}/model.glb?size=abc").status_code == 400
    assert client.get(f"/api/shoes/{m.id}/model.glb?size=42&colourway=nope").status_code == 404
