"""Generate the street's catalog (catalog.json + one GLB per model) from a seed.

Usage::

    python -m storefront.catalog.build              # writes storefront/catalog/data/
    python -m storefront.catalog.build --seed 7 --out /tmp/cat
    python -m storefront.catalog.build --check      # exit 1 if the catalog data is stale
    python -m storefront.catalog.build --thumbnails # only the product thumbnails (static/img/shoes)

Everything is a pure function of the seed and the tables below: the shop list, per-category
size ranges, width fittings, toe allowances and trait ranges, and the grading rules of
:mod:`storefront.catalog.grading`. The same generator makes the 1,000-model catalog of the
recommendation benchmark (:func:`generate_catalog` with ``n_models``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from storefront.catalog.glb_compare import same_glb
from storefront.catalog.grading import size_row

__all__ = [
    "DEFAULT_SEED",
    "SHOPS",
    "CATEGORY_RULES",
    "generate_catalog",
    "build_assets",
    "build_thumbnails",
    "default_assets_dir",
    "default_thumbnails_dir",
    "model_thumbnail_png",
    "main",
]

DEFAULT_SEED = 20261121

#: The street: id, name, brand, tagline, brand sizing offset (mm; + runs long), position, colour,
#: and how many models of each category the shop sells.
SHOPS: tuple[dict[str, Any], ...] = (
    {
        "id": "norma",
        "name": "Norma Shoes",
        "brand": "Norma",
        "tagline": "True to size, every size.",
        "size_offset_mm": 0.0,
        "street_position": [-7.0, 6.0],
        "color": "#3a6ea5",
        "mix": {"walking": 2, "casual": 2, "dress": 1, "running": 1, "comfort": 1},
    },
    {
        "id": "velox",
        "name": "Velox Running Lab",
        "brand": "Velox",
        "tagline": "Built for the long run.",
        "size_offset_mm": -3.3,
        "street_position": [7.0, 14.0],
        "color": "#e4572e",
        "mix": {"running": 7, "trail": 1},
    },
    {
        "id": "ridgeback",
        "name": "Ridgeback Outdoor",
        "brand": "Ridgeback",
        "tagline": "Grip where the path ends.",
        "size_offset_mm": 3.0,
        "street_position": [-7.0, 22.0],
        "color": "#4f772d",
        "mix": {"trail": 5, "walking": 1},
    },
    {
        "id": "finch",
        "name": "Oxford & Finch",
        "brand": "Oxford & Finch",
        "tagline": "Shoemakers since the last century.",
        "size_offset_mm": -5.0,
        "street_position": [7.0, 30.0],
        "color": "#6b4226",
        "mix": {"dress": 5, "casual": 1},
    },
    {
        "id": "kindred",
        "name": "Kindred Comfort",
        "brand": "Kindred",
        "tagline": "Room for every foot, support for every step.",
        "size_offset_mm": 2.0,
        "street_position": [-7.0, 38.0],
        "color": "#8e7dbe",
        "mix": {"comfort": 6, "walking": 1},
    },
    {
        "id": "sprout",
        "name": "Sprout Kids",
        "brand": "Sprout",
        "tagline": "Growing feet need room.",
        "size_offset_mm": 1.5,
        "street_position": [7.0, 46.0],
        "color": "#f2c14e",
        "mix": {"kids": 6},
    },
    {
        "id": "pace",
        "name": "Urban Pace",
        "brand": "Pace",
        "tagline": "City miles, all day.",
        "size_offset_mm": -1.5,
        "street_position": [-7.0, 54.0],
        "color": "#2a9d8f",
        "mix": {"walking": 2, "casual": 3, "running": 1},
    },
)

#: Per category: EU size range and step, width fittings, advised toe room (mm), girth bias (mm),
#: trait ranges, uppers, shelf price range in won (KRW). Toe room: running/sport 10-15 mm, dress 15-20 mm
#: (storefront §1.2); comfort gets more for swelling feet, kids for growth.
CATEGORY_RULES: dict[str, dict[str, Any]] = {
    "running": {
        "eu": (38.0, 47.0, 0.5),
        "widths": ("D",),
        "toe": 12.0,
        "girth_bias": -2.0,
        "stability": (0.15, 0.85),
        "cushioning": (0.4, 0.95),
        "drop": (4, 6, 8, 10, 12),
        "uppers": ("mesh", "knit"),
        "toe_box": ("standard", "standard", "wide"),
        "weight": (200, 320),
        "price_krw": (133_000, 268_000),
    },
    "trail": {
        "eu": (38.0, 47.0, 1.0),
        "widths": ("D", "2E"),
        "toe": 13.0,
        "girth_bias": 0.0,
        "stability": (0.4, 0.75),
        "cushioning": (0.35, 0.8),
        "drop": (4, 6, 8),
        "uppers": ("synthetic", "mesh"),
        "toe_box": ("standard", "wide"),
        "weight": (270, 380),
        "price_krw": (148_000, 283_000),
    },
    "walking": {
        "eu": (36.0, 47.0, 1.0),
        "widths": ("D", "2E"),
        "toe": 12.0,
        "girth_bias": 1.0,
        "stability": (0.45, 0.8),
        "cushioning": (0.5, 0.85),
        "drop": (8, 10, 12),
        "uppers": ("leather", "mesh", "synthetic"),
        "toe_box": ("standard", "wide"),
        "weight": (280, 400),
        "price_krw": (118_000, 223_000),
    },
    "dress": {
        "eu": (39.0, 46.0, 1.0),
        "widths": ("D",),
        "toe": 16.0,
        "girth_bias": -3.0,
        "stability": (0.25, 0.45),
        "cushioning": (0.1, 0.3),
        "drop": (15, 20, 25),
        "uppers": ("leather",),
        "toe_box": ("narrow", "standard"),
        "weight": (350, 550),
        "price_krw": (178_000, 418_000),
    },
    "casual": {
        "eu": (36.0, 46.0, 1.0),
        "widths": ("D",),
        "toe": 12.0,
        "girth_bias": 0.0,
        "stability": (0.3, 0.55),
        "cushioning": (0.35, 0.6),
        "drop": (4, 6, 8, 10),
        "uppers": ("leather", "knit", "synthetic", "mesh"),
        "toe_box": ("standard", "standard", "wide"),
        "weight": (250, 400),
        "price_krw": (88_000, 193_000),
    },
    "comfort": {
        "eu": (36.0, 47.0, 1.0),
        "widths": ("D", "2E", "4E"),
        "toe": 14.0,
        "girth_bias": 3.0,
        "stability": (0.7, 0.95),
        "cushioning": (0.6, 0.9),
        "drop": (0, 2, 4, 6),
        "uppers": ("knit", "leather", "mesh"),
        "toe_box": ("wide",),
        "weight": (280, 420),
        "price_krw": (133_000, 253_000),
    },
    "kids": {
        "eu": (26.0, 35.0, 1.0),
        "widths": ("D", "E"),
        "toe": 14.0,
        "girth_bias": 0.0,
        "stability": (0.4, 0.6),
        "cushioning": (0.4, 0.6),
        "drop": (4, 6),
        "uppers": ("synthetic", "mesh"),
        "toe_box": ("standard", "wide"),
        "weight": (150, 260),
        "price_krw": (52_000, 103_000),
    },
}

# Extra toe room for a narrow (pointed) toe box, mm (storefront §1.2: "more for pointed toes").
_POINTED_TOE_MM = 3.0

_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "running": (
        (
            "Tempo",
            "Stride",
            "Pulse",
            "Glide",
            "Surge",
            "Cadence",
            "Aero",
            "Kinetic",
            "Flux",
            "Drift",
        ),
        ("Run", "Racer", "Trainer", "Flow", "Max", "Lite", "Pro"),
    ),
    "trail": (
        ("Ridge", "Scree", "Talus", "Summit", "Moss", "Canyon", "Fell", "Ember"),
        ("Trail", "Trek", "Grip", "Runner", "GTX", "Peak"),
    ),
    "walking": (
        ("Meadow", "Harbour", "Rambler", "Avenue", "Towpath", "Boulevard", "Wander"),
        ("Walker", "Stroll", "Step", "Comfort", "Plus"),
    ),
    "dress": (
        ("Windsor", "Chelsea", "Kensington", "Belgrave", "Mayfair", "Savile", "Albany"),
        ("Oxford", "Derby", "Pump", "Loafer", "Brogue"),
    ),
    "casual": (
        ("Linden", "Pebble", "Corso", "Marlow", "Dune", "Jetty", "Orchard"),
        ("Sneaker", "Slip-on", "Court", "Low", "Canvas"),
    ),
    "comfort": (
        ("Haven", "Cradle", "Steady", "Balance", "Harbor", "Willow", "Anchor"),
        ("Support", "Ease", "Wide", "Care", "Stable"),
    ),
    "kids": (
        ("Sprig", "Puddle", "Hopper", "Acorn", "Comet", "Pebble", "Skipper"),
        ("Jr", "Mini", "Kid", "Play", "Scout"),
    ),
}

_PALETTE: tuple[tuple[str, str], ...] = (
    ("Midnight", "#1d2a44"),
    ("Chalk", "#eeeae0"),
    ("Ember", "#d1495b"),
    ("Moss", "#5b7b3a"),
    ("Sand", "#c8b08a"),
    ("Ocean", "#1f7a8c"),
    ("Graphite", "#3b3b3b"),
    ("Sunrise", "#f79d35"),
    ("Cognac", "#8a4b22"),
    ("Oxblood", "#5a1a1f"),
    ("Lilac", "#b497d6"),
    ("Volt", "#c7e04a"),
    ("Slate", "#5d6d7e"),
    ("Rose", "#e8a0a8"),
    ("Forest", "#234d20"),
    ("Sky", "#7fb7e6"),
)
_SOLES = ("#f4f1ea", "#2b2b2b", "#c49a6c", "#e0e0e0", "#7a4a2a")


def _round_price_krw(x: float) -> int:
    """A shelf price in won as Korean shops set them: 10,000-won steps less 1,000 (129,000)."""
    return int(10_000 * round(x / 10_000) - 1_000)


def _colourways(rng: np.random.Generator, model_id: str, category: str) -> list[dict[str, str]]:
    n = int(rng.integers(2, 5))
    picks = rng.choice(len(_PALETTE), size=n, replace=False)
    out = []
    for k, i in enumerate(picks):
        name, upper = _PALETTE[int(i)]
        sole = _SOLES[2] if category == "dress" else _SOLES[int(rng.integers(0, 2 if k else 1))]
        accent = _PALETTE[int(rng.integers(0, len(_PALETTE)))][1]
        if accent == upper:
            accent = "#111111"
        out.append(
            {
                "id": f"{model_id}-{name.lower()}",
                "name": name,
                "upper_hex": upper,
                "sole_hex": sole,
                "accent_hex": accent,
            }
        )
    return out


def _sizes(
    rng: np.random.Generator, rules: dict[str, Any], colourway_ids: list[str], girth_bias: float
) -> list[dict[str, Any]]:
    lo, hi, step = rules["eu"]
    eus = np.round(np.arange(lo, hi + 1e-9, step), 1)
    mid = 0.5 * (lo + hi)
    rows = []
    for width in rules["widths"]:
        wide_share = 1.0 if width == rules["widths"][0] else 0.5
        for eu in eus:
            row = size_row(float(eu), width, girth_bias_mm=girth_bias)
            # Stock peaks at the middle of the range and is thinner for extra widths.
            expect = wide_share * 8.0 * np.exp(-(((eu - mid) / (0.35 * (hi - lo))) ** 2))
            row["stock"] = {c: int(rng.poisson(expect)) for c in colourway_ids}
            rows.append(row)
    return rows


def _model(
    rng: np.random.Generator, shop: dict[str, Any], category: str, k: int, used: set[str]
) -> dict[str, Any]:
    rules = CATEGORY_RULES[category]
    first, second = _NAMES[category]
    for _ in range(100):
        name = f"{first[int(rng.integers(len(first)))]} {second[int(rng.integers(len(second)))]}"
        base_id = f"{shop['id']}-{name.lower().replace(' ', '-').replace('&', 'and')}"
        if base_id not in used:
            break
    else:
        name, base_id = f"{name} {k}", f"{base_id}-{k}"
    used.add(base_id)
    stab = float(rng.uniform(*rules["stability"]))
    cush = float(rng.uniform(*rules["cushioning"]))
    # Every running shop carries a stability model and a neutral one.
    if category == "running" and k % 3 == 0:
        stab = float(rng.uniform(0.75, 0.9))
    toe_box = str(rules["toe_box"][int(rng.integers(len(rules["toe_box"])))])
    upper = str(rules["uppers"][int(rng.integers(len(rules["uppers"])))])
    drop = float(rules["drop"][int(rng.integers(len(rules["drop"])))])
    toe_allowance = rules["toe"] + (_POINTED_TOE_MM if toe_box == "narrow" else 0.0)
    girth_bias = rules["girth_bias"] + float(np.round(rng.uniform(-2.0, 2.0), 1))
    cws = _colourways(rng, base_id, category)
    words = {
        "stability": "a stable, guided ride" if stab > 0.65 else "a neutral, flexible ride",
        "cushioning": "plush cushioning" if cush > 0.65 else "a firm, close-to-ground feel",
    }
    desc = (
        f"{name}: a {category} shoe with {words['stability']} and {words['cushioning']}; "
        f"{toe_box} toe box, {upper} upper, {drop:g} mm heel-to-toe drop."
    )
    return {
        "id": base_id,
        "shop_id": shop["id"],
        "name": name,
        "category": category,
        "price_krw": _round_price_krw(float(rng.uniform(*rules["price_krw"]))),
        "description": desc,
        "traits": {
            "stability": round(stab, 2),
            "cushioning": round(cush, 2),
            "drop_mm": drop,
            "toe_box": toe_box,
            "upper": upper,
            "weight_g": float(round(rng.uniform(*rules["weight"]))),
        },
        "toe_allowance_mm": toe_allowance,
        "colourways": cws,
        "glb": f"glb/{base_id}.glb",
        "sizes": _sizes(rng, rules, [c["id"] for c in cws], girth_bias),
    }


def _reference_row(model: dict[str, Any]) -> dict[str, Any]:
    """The size a model's GLB is built at: EU 42 (kids EU 31) in its first width."""
    target = 31.0 if model["category"] == "kids" else 42.0
    first_w = model["sizes"][0]["width"]
    rows = [s for s in model["sizes"] if s["width"] == first_w]
    return min(rows, key=lambda s: abs(s["eu"] - target))


def generate_catalog(seed: int = DEFAULT_SEED, n_models: int | None = None) -> dict[str, Any]:
    """The catalog.json document for a seed.

    Parameters
    ----------
    seed : int
        Seed of the generator; the document is a pure function of it.
    n_models : int, optional
        Generate this many models by cycling through every shop's mix (benchmark catalogs);
        default: each shop's own mix (46 models).
    """
    rng = np.random.default_rng(seed)
    plan = [(shop, cat) for shop in SHOPS for cat, n in shop["mix"].items() for _ in range(n)]
    if n_models is not None:
        if n_models < 1:
            raise ValueError(f"n_models must be >= 1, got {n_models}")
        plan = [plan[i % len(plan)] for i in range(n_models)]
    used: set[str] = set()
    models = []
    for k, (shop, cat) in enumerate(plan):
        m = _model(rng, shop, cat, k, used)
        ref = _reference_row(m)
        m["glb_reference"] = {
            "eu": ref["eu"],
            "width": ref["width"],
            "last_length_mm": ref["last_length_mm"],
            "ball_width_mm": ref["ball_width_mm"],
            "ball_girth_mm": ref["ball_girth_mm"],
            "heel_width_mm": ref["heel_width_mm"],
        }
        models.append(m)
    shops = [{k: v for k, v in s.items() if k != "mix"} for s in SHOPS]
    return {"version": 1, "seed": int(seed), "shops": shops, "models": models}


def default_assets_dir() -> Path:
    """The catalog's package data folder (``storefront/catalog/data``)."""
    from storefront.catalog.loader import default_catalog_path

    return default_catalog_path().parent


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; assets are world-readable
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def catalog_json_bytes(doc: dict[str, Any]) -> bytes:
    """Canonical serialisation of catalog.json (stable across runs)."""
    return (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def model_glb_bytes(model_doc: dict[str, Any]) -> bytes:
    """The GLB of one model document (built at its reference size, first colourway)."""
    # Imported here so that generating JSON (benchmarks) does not need the mesh stack.
    from storefront.catalog.glb import shoe_glb_bytes, shoe_shape, shoe_style
    from storefront.catalog.models import LastSize, Traits

    ref = _reference_row(model_doc)
    size = LastSize.from_dict(ref, model_doc["id"])
    traits = Traits.from_dict(model_doc["traits"], model_doc["id"])
    cw = model_doc["colourways"][0]
    colours = {"upper": cw["upper_hex"], "sole": cw["sole_hex"], "accent": cw["accent_hex"]}
    style = shoe_style(model_doc["category"], model_doc["name"])
    return shoe_glb_bytes(shoe_shape(size, traits), colours, traits.upper, style)


def default_thumbnails_dir() -> Path:
    """``storefront/static/img/shoes``: the product thumbnails, served as static files."""
    return Path(__file__).resolve().parents[1] / "static" / "img" / "shoes"


def model_thumbnail_png(model_doc: dict[str, Any]) -> bytes:
    """The product thumbnail of one model document: its GLB's meshes in its first colourway."""
    from storefront.catalog.glb import shoe_meshes_mm, shoe_shape, shoe_style
    from storefront.catalog.models import LastSize, Traits
    from storefront.catalog.thumbnails import png_bytes, render_thumbnail

    size = LastSize.from_dict(_reference_row(model_doc), model_doc["id"])
    traits = Traits.from_dict(model_doc["traits"], model_doc["id"])
    meshes = shoe_meshes_mm(
        shoe_shape(size, traits), shoe_style(model_doc["category"], model_doc["name"])
    )
    cw = model_doc["colourways"][0]
    colours = {"upper": cw["upper_hex"], "sole": cw["sole_hex"], "accent": cw["accent_hex"]}
    return png_bytes(render_thumbnail(meshes, colours))


def build_thumbnails(out_dir: Path, seed: int = DEFAULT_SEED) -> dict[str, str]:
    """Write ``<model id>.png`` for every model under ``out_dir``; returns ``{name: sha256}``.

    Thumbnails of models no longer in the catalogue are removed. About 2 s a model (a numpy
    rasteriser), so :func:`build_assets` leaves them to this separate step.
    """
    out_dir = Path(out_dir)
    digests: dict[str, str] = {}
    for m in generate_catalog(seed)["models"]:
        data = model_thumbnail_png(m)
        _atomic_write(out_dir / f"{m['id']}.png", data)
        digests[f"{m['id']}.png"] = hashlib.sha256(data).hexdigest()
    for old in out_dir.glob("*.png"):
        if old.name not in digests:
            old.unlink()
    return digests


def build_assets(out_dir: Path, seed: int = DEFAULT_SEED) -> dict[str, str]:
    """Write catalog.json and glb/*.glb under ``out_dir``; returns ``{relative path: sha256}``.

    Files are written to temporary names and renamed, so a crash leaves no half-written file;
    stale GLBs of models no longer in the catalog are removed.
    """
    out_dir = Path(out_dir)
    doc = generate_catalog(seed)
    digests: dict[str, str] = {}
    wanted = set()
    for m in doc["models"]:
        data = model_glb_bytes(m)
        _atomic_write(out_dir / m["glb"], data)
        digests[m["glb"]] = hashlib.sha256(data).hexdigest()
        wanted.add(Path(m["glb"]).name)
    for old in (out_dir / "glb").glob("*.glb"):
        if old.name not in wanted:
            old.unlink()
    data = catalog_json_bytes(doc)
    _atomic_write(out_dir / "catalog.json", data)
    digests["catalog.json"] = hashlib.sha256(data).hexdigest()
    return digests


def _check(out_dir: Path, seed: int) -> list[str]:
    doc = generate_catalog(seed)
    stale = []
    cat = out_dir / "catalog.json"
    if not cat.exists() or cat.read_bytes() != catalog_json_bytes(doc):
        stale.append("catalog.json")
    for m in doc["models"]:
        p = out_dir / m["glb"]
        # the same model up to the last bits of its floats (numpy's kernels differ by CPU)
        if not p.exists() or not same_glb(p.read_bytes(), model_glb_bytes(m)):
            stale.append(m["glb"])
    return stale


def main(argv: list[str] | None = None) -> int:
    """Command line entry point (``python -m storefront.catalog.build``)."""
    ap = argparse.ArgumentParser(prog="python -m storefront.catalog.build", description=__doc__)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=default_assets_dir())
    ap.add_argument("--check", action="store_true", help="only report stale files")
    ap.add_argument("--thumbnails", action="store_true", help="only the product thumbnails")
    ap.add_argument("--thumbnails-out", type=Path, default=default_thumbnails_dir())
    args = ap.parse_args(argv)
    if args.thumbnails:
        shots = build_thumbnails(args.thumbnails_out, args.seed)
        print(f"wrote {len(shots)} thumbnails to {args.thumbnails_out}")
        return 0
    if args.check:
        stale = _check(args.out, args.seed)
        for s in stale:
            print(f"stale: {s}")
        return 1 if stale else 0
    digests = build_assets(args.out, args.seed)
    total = sum((args.out / p).stat().st_size for p in digests)
    print(f"wrote {len(digests) - 1} GLBs and catalog.json to {args.out} ({total / 1e6:.2f} MB)")
    shots = build_thumbnails(args.thumbnails_out, args.seed)
    print(f"wrote {len(shots)} thumbnails to {args.thumbnails_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
