"""Frozen dataclasses of the catalog (shops, shoe models, lasts per size).

``from_dict`` validates one catalog.json object at the boundary and raises
:class:`storefront.domain_errors.CatalogError` naming the offending field; ``to_dict`` is its
exact inverse (JSON-ready).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from storefront.domain_errors import CatalogError, UnknownModel, UnknownSize

__all__ = [
    "CATEGORIES",
    "TOE_BOXES",
    "UPPERS",
    "Shop",
    "Colourway",
    "Traits",
    "LastSize",
    "ShoeModel",
    "Catalog",
]

CATEGORIES: tuple[str, ...] = (
    "running",
    "walking",
    "trail",
    "dress",
    "casual",
    "comfort",
    "kids",
)
TOE_BOXES: tuple[str, ...] = ("narrow", "standard", "wide")
UPPERS: tuple[str, ...] = ("mesh", "knit", "leather", "synthetic")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _get(d: Mapping[str, Any], key: str, where: str) -> Any:
    if not isinstance(d, Mapping):
        raise CatalogError(f"{where}: expected an object, got {type(d).__name__}")
    if key not in d:
        raise CatalogError(f"{where}: missing field {key!r}")
    return d[key]


def _num(d: Mapping[str, Any], key: str, where: str, lo: float, hi: float) -> float:
    v = _get(d, key, where)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise CatalogError(f"{where}.{key}: expected a number, got {v!r}")
    if not lo <= v <= hi:
        raise CatalogError(f"{where}.{key}: {v} is outside [{lo}, {hi}]")
    return float(v)


def _won(d: Mapping[str, Any], key: str, where: str) -> int:
    """A price in whole won: an integer from 1 to 100,000,000 (no decimals, no other currency)."""
    v = _get(d, key, where)
    if isinstance(v, bool) or not isinstance(v, int):
        raise CatalogError(f"{where}.{key}: expected a whole number of won, got {v!r}")
    if not 1 <= v <= 100_000_000:
        raise CatalogError(f"{where}.{key}: {v} won is outside [1, 100000000]")
    return v


def _str(d: Mapping[str, Any], key: str, where: str, choices: tuple[str, ...] = ()) -> str:
    v = _get(d, key, where)
    if not isinstance(v, str) or not v:
        raise CatalogError(f"{where}.{key}: expected a non-empty string, got {v!r}")
    if choices and v not in choices:
        raise CatalogError(f"{where}.{key}: {v!r} is not one of {list(choices)}")
    return v


def _hex(d: Mapping[str, Any], key: str, where: str) -> str:
    v = _str(d, key, where)
    if not _HEX.match(v):
        raise CatalogError(f"{where}.{key}: {v!r} is not a #rrggbb colour")
    return v.lower()


@dataclass(frozen=True)
class Shop:
    """One shop (one brand) on the street."""

    id: str
    name: str
    brand: str
    tagline: str
    #: Brand sizing offset, mm of last length; + means the brand's lasts run long.
    size_offset_mm: float
    #: Position along the street, metres (x across, z along).
    street_position: tuple[float, float]
    color: str

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Shop:
        """Build a shop from its catalogue JSON object.

        Raises
        ------
        CatalogError
            A key is missing or has the wrong type; the message names the shop and key.
        """
        where = f"shop {d.get('id', '?') if isinstance(d, Mapping) else '?'}"
        pos = _get(d, "street_position", where)
        if not isinstance(pos, list | tuple) or len(pos) != 2:
            raise CatalogError(f"{where}.street_position: expected [x, z]")
        return cls(
            id=_str(d, "id", where),
            name=_str(d, "name", where),
            brand=_str(d, "brand", where),
            tagline=_str(d, "tagline", where),
            size_offset_mm=_num(d, "size_offset_mm", where, -20.0, 20.0),
            street_position=(float(pos[0]), float(pos[1])),
            color=_hex(d, "color", where),
        )

    def to_dict(self) -> dict[str, Any]:
        """The shop as the API and the catalogue file show it (JSON types)."""
        return {
            "id": self.id,
            "name": self.name,
            "brand": self.brand,
            "tagline": self.tagline,
            "size_offset_mm": self.size_offset_mm,
            "street_position": list(self.street_position),
            "color": self.color,
        }


@dataclass(frozen=True)
class Colourway:
    """A colourway: colours of the ``upper``, ``sole`` and ``accent`` mesh nodes."""

    id: str
    name: str
    upper_hex: str
    sole_hex: str
    accent_hex: str

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str) -> Colourway:
        """Build a colourway from its JSON object; ``where`` names it in error messages.

        Raises
        ------
        CatalogError
            A key is missing or a colour is not ``#rrggbb``.
        """
        return cls(
            id=_str(d, "id", where),
            name=_str(d, "name", where),
            upper_hex=_hex(d, "upper_hex", where),
            sole_hex=_hex(d, "sole_hex", where),
            accent_hex=_hex(d, "accent_hex", where),
        )

    def to_dict(self) -> dict[str, Any]:
        """The colourway as JSON (id, name and three ``#rrggbb`` colours)."""
        return {
            "id": self.id,
            "name": self.name,
            "upper_hex": self.upper_hex,
            "sole_hex": self.sole_hex,
            "accent_hex": self.accent_hex,
        }


@dataclass(frozen=True)
class Traits:
    """Functional traits used by the gait rules of the recommender."""

    stability: float
    cushioning: float
    drop_mm: float
    toe_box: str
    upper: str
    weight_g: float

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str) -> Traits:
        """Build traits from JSON; ``where`` names the model in error messages.

        Raises
        ------
        CatalogError
            A value is missing or outside its range (stability and cushioning 0-1, drop 0-80 mm).
        """
        return cls(
            stability=_num(d, "stability", where, 0.0, 1.0),
            cushioning=_num(d, "cushioning", where, 0.0, 1.0),
            drop_mm=_num(d, "drop_mm", where, 0.0, 80.0),
            toe_box=_str(d, "toe_box", where, TOE_BOXES),
            upper=_str(d, "upper", where, UPPERS),
            weight_g=_num(d, "weight_g", where, 50.0, 2000.0),
        )

    def to_dict(self) -> dict[str, Any]:
        """The traits as JSON (``drop_mm`` in millimetres)."""
        return {
            "stability": self.stability,
            "cushioning": self.cushioning,
            "drop_mm": self.drop_mm,
            "toe_box": self.toe_box,
            "upper": self.upper,
            "weight_g": self.weight_g,
        }


@dataclass(frozen=True)
class LastSize:
    """One labelled size and width fitting of a model: its last and its stock."""

    eu: float
    uk: float
    us_men: float
    us_women: float
    mondopoint: int
    last_length_mm: float
    ball_girth_mm: float
    ball_width_mm: float
    heel_width_mm: float
    instep_girth_mm: float
    width: str
    stock: Mapping[str, int] = field(default_factory=dict)
    #: ``"child"`` when uk/us are on the children's scale, else ``"adult"``.
    scale: str = "adult"

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str) -> LastSize:
        """Build one graded size from JSON; ``where`` names it in error messages.

        Raises
        ------
        CatalogError
            A measure is missing or not a number, or ``stock`` is not ``{colourway id: count >= 0}``.
        """
        stock = _get(d, "stock", where)
        if not isinstance(stock, Mapping) or not all(
            isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0
            for k, v in stock.items()
        ):
            raise CatalogError(f"{where}.stock: expected {{colourway id: count >= 0}}")
        scale = d.get("scale", "adult")
        if scale not in ("adult", "child"):
            raise CatalogError(f"{where}.scale: {scale!r} is not 'adult' or 'child'")
        return cls(
            eu=_num(d, "eu", where, 10.0, 60.0),
            uk=_num(d, "uk", where, -5.0, 30.0),
            us_men=_num(d, "us_men", where, -5.0, 30.0),
            us_women=_num(d, "us_women", where, -5.0, 30.0),
            mondopoint=int(_num(d, "mondopoint", where, 80.0, 400.0)),
            last_length_mm=_num(d, "last_length_mm", where, 80.0, 420.0),
            ball_girth_mm=_num(d, "ball_girth_mm", where, 80.0, 400.0),
            ball_width_mm=_num(d, "ball_width_mm", where, 30.0, 160.0),
            heel_width_mm=_num(d, "heel_width_mm", where, 20.0, 120.0),
            instep_girth_mm=_num(d, "instep_girth_mm", where, 80.0, 420.0),
            width=_str(d, "width", where),
            stock=dict(stock),
            scale=scale,
        )

    def to_dict(self) -> dict[str, Any]:
        """The size as JSON: size systems, width, last measures (mm) and stock per colourway."""
        d: dict[str, Any] = {
            "eu": self.eu,
            "uk": self.uk,
            "us_men": self.us_men,
            "us_women": self.us_women,
            "mondopoint": self.mondopoint,
            "last_length_mm": self.last_length_mm,
            "ball_girth_mm": self.ball_girth_mm,
            "ball_width_mm": self.ball_width_mm,
            "heel_width_mm": self.heel_width_mm,
            "instep_girth_mm": self.instep_girth_mm,
            "width": self.width,
            "stock": dict(self.stock),
        }
        if self.scale != "adult":
            d["scale"] = self.scale
        return d


@dataclass(frozen=True)
class ShoeModel:
    """A shoe model with its lasts per size and width.

    ``brand_offset_mm`` is not stored in the model's JSON: :class:`Catalog` fills it from the
    model's shop so that :func:`storefront.fit.rules.fit_model` can apply it by default.
    """

    id: str
    shop_id: str
    name: str
    category: str
    #: shelf price in whole won (KRW, the currency of record; no decimals)
    price_krw: int
    description: str
    traits: Traits
    toe_allowance_mm: float
    colourways: tuple[Colourway, ...]
    glb: str
    sizes: tuple[LastSize, ...]
    #: Size the GLB was built at (browser scales it to other sizes), see docs/catalog.md.
    glb_reference: Mapping[str, float] = field(default_factory=dict)
    brand_offset_mm: float = 0.0

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], brand_offset_mm: float = 0.0) -> ShoeModel:
        """Build a shoe model from JSON; ``brand_offset_mm`` is its shop's size offset (mm).

        Raises
        ------
        CatalogError
            Colourways or sizes are missing or empty, or any nested value is malformed.
        """
        where = f"model {d.get('id', '?') if isinstance(d, Mapping) else '?'}"
        cws = _get(d, "colourways", where)
        sizes = _get(d, "sizes", where)
        if not isinstance(cws, list) or not cws:
            raise CatalogError(f"{where}.colourways: expected a non-empty list")
        if not isinstance(sizes, list) or not sizes:
            raise CatalogError(f"{where}.sizes: expected a non-empty list")
        colourways = tuple(
            Colourway.from_dict(c, f"{where}.colourways[{i}]") for i, c in enumerate(cws)
        )
        lasts = tuple(LastSize.from_dict(s, f"{where}.sizes[{i}]") for i, s in enumerate(sizes))
        cw_ids = {c.id for c in colourways}
        for i, s in enumerate(lasts):
            unknown = set(s.stock) - cw_ids
            if unknown:
                raise CatalogError(
                    f"{where}.sizes[{i}].stock: unknown colourways {sorted(unknown)}"
                )
        glb = _str(d, "glb", where)
        if glb.startswith("/") or ".." in glb.split("/"):
            raise CatalogError(f"{where}.glb: {glb!r} must be a relative path inside the catalog")
        ref = d.get("glb_reference", {})
        return cls(
            id=_str(d, "id", where),
            shop_id=_str(d, "shop_id", where),
            name=_str(d, "name", where),
            category=_str(d, "category", where, CATEGORIES),
            price_krw=_won(d, "price_krw", where),
            description=_str(d, "description", where),
            traits=Traits.from_dict(_get(d, "traits", where), f"{where}.traits"),
            toe_allowance_mm=_num(d, "toe_allowance_mm", where, 0.0, 40.0),
            colourways=colourways,
            glb=glb,
            sizes=tuple(sorted(lasts, key=lambda s: (s.eu, s.ball_girth_mm))),
            glb_reference=dict(ref) if isinstance(ref, Mapping) else {},
            brand_offset_mm=float(brand_offset_mm),
        )

    def to_dict(self) -> dict[str, Any]:
        """The model as JSON, with its colourways, traits and graded sizes."""
        d: dict[str, Any] = {
            "id": self.id,
            "shop_id": self.shop_id,
            "name": self.name,
            "category": self.category,
            "price_krw": self.price_krw,
            "description": self.description,
            "traits": self.traits.to_dict(),
            "toe_allowance_mm": self.toe_allowance_mm,
            "colourways": [c.to_dict() for c in self.colourways],
            "glb": self.glb,
            "sizes": [s.to_dict() for s in self.sizes],
        }
        if self.glb_reference:
            d["glb_reference"] = dict(self.glb_reference)
        return d

    @property
    def widths(self) -> tuple[str, ...]:
        """Width fittings the model is made in, narrowest first."""
        seen: dict[str, float] = {}
        for s in self.sizes:
            seen.setdefault(s.width, s.ball_girth_mm)
        return tuple(sorted(seen, key=seen.__getitem__))

    def size(self, eu: float, width: str | None = None) -> LastSize:
        """The last of one size (and width; the first width made when None)."""
        for s in self.sizes:
            if abs(s.eu - float(eu)) < 1e-6 and (width is None or s.width == width):
                return s
        w = "" if width is None else f" width {width}"
        raise UnknownSize(f"model {self.id!r} is not made in EU {eu:g}{w}")


@dataclass(frozen=True)
class Catalog:
    """The whole street: shops and models, with id look-ups."""

    version: int
    seed: int
    shops: tuple[Shop, ...]
    models: tuple[ShoeModel, ...]

    def __post_init__(self) -> None:
        """Index shops and models by id for :meth:`shop` and :meth:`model`."""
        object.__setattr__(self, "_shops", {s.id: s for s in self.shops})
        object.__setattr__(self, "_models", {m.id: m for m in self.models})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Catalog:
        """Build the whole catalogue from its JSON document (version 1).

        Raises
        ------
        CatalogError
            Unsupported version, duplicate ids, a model of an unknown shop, or any malformed entry.
        """
        if not isinstance(d, Mapping):
            raise CatalogError("catalog: expected a JSON object")
        version = _get(d, "version", "catalog")
        if version != 1:
            raise CatalogError(f"catalog.version: unsupported version {version!r} (expected 1)")
        shops_raw = _get(d, "shops", "catalog")
        models_raw = _get(d, "models", "catalog")
        if not isinstance(shops_raw, list) or not isinstance(models_raw, list):
            raise CatalogError("catalog: 'shops' and 'models' must be lists")
        shops = tuple(Shop.from_dict(s) for s in shops_raw)
        by_id = {s.id: s for s in shops}
        if len(by_id) != len(shops):
            raise CatalogError("catalog: duplicate shop ids")
        models = []
        for m in models_raw:
            shop_id = _get(m, "shop_id", "model")
            if shop_id not in by_id:
                raise CatalogError(f"model {m.get('id')!r}: unknown shop_id {shop_id!r}")
            models.append(ShoeModel.from_dict(m, by_id[shop_id].size_offset_mm))
        if len({m.id for m in models}) != len(models):
            raise CatalogError("catalog: duplicate model ids")
        seed = _get(d, "seed", "catalog")
        return cls(version=1, seed=int(seed), shops=shops, models=tuple(models))

    def to_dict(self) -> dict[str, Any]:
        """The catalogue document (round-trips through :meth:`from_dict`)."""
        return {
            "version": self.version,
            "seed": self.seed,
            "shops": [s.to_dict() for s in self.shops],
            "models": [m.to_dict() for m in self.models],
        }

    def shop(self, shop_id: str) -> Shop:
        """The shop with id ``shop_id``.

        Raises
        ------
        UnknownModel
            No such shop.
        """
        try:
            return self._shops[shop_id]  # type: ignore[attr-defined]
        except KeyError:
            raise UnknownModel(f"no shop with id {shop_id!r}") from None

    def model(self, model_id: str) -> ShoeModel:
        """The shoe model with id ``model_id``.

        Raises
        ------
        UnknownModel
            No such model.
        """
        try:
            return self._models[model_id]  # type: ignore[attr-defined]
        except KeyError:
            raise UnknownModel(f"no shoe model with id {model_id!r}") from None

    def models_of(self, shop_id: str) -> tuple[ShoeModel, ...]:
        """Every model of one shop, in catalogue order.

        Raises
        ------
        UnknownModel
            No such shop.
        """
        self.shop(shop_id)
        return tuple(m for m in self.models if m.shop_id == shop_id)
