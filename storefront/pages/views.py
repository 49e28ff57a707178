"""Page routes of the shoe street.

Pages are thin HTML shells: the data come from the JSON API (``/api/...``) through
``static/js/lib/api.js``, so the browser sees exactly what any other API client sees.
Each route passes only the ids from its URL to the page script via ``page_config``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, jsonify, render_template

from storefront.accounts.guard import current_user
from storefront.accounts.services import header_user
from storefront.pages._blueprint import bp
from storefront.shop.delivery import PHONE_PATTERN

_MAX_ID_CHARS = 80


def _page(template: str, page: str, **config: object) -> str:
    """Render ``template`` with the page name and its JSON config for ``main.js``."""
    config["user"] = header_user(current_user(optional=True))
    return render_template(template, page=page, page_config=config)


def _check_id(value: str) -> str:
    """Reject ids that cannot be catalog or database ids before they reach a template."""
    if not value or len(value) > _MAX_ID_CHARS or not all(c.isalnum() or c in "-_." for c in value):
        abort(404)
    return value


@bp.app_context_processor
def _form_rules() -> dict[str, Any]:
    """Validation rules the pages take from the server (one definition, the server's)."""
    return {"phone_pattern": PHONE_PATTERN}


@bp.get("/")
def street() -> str:
    """The walkable 3D street (falls back to the 2D list without WebGL)."""
    return _page("web/street.html", "street")


@bp.get("/list")
def shop_list() -> str:
    """All shops and shoes as a plain list with the same fit information (no WebGL)."""
    return _page("web/list.html", "list")


@bp.get("/shop/<shop_id>")
def shop(shop_id: str) -> str:
    """Inside one shop: shelves with the shoes as 3D models."""
    return _page("web/shop.html", "shop", shop_id=_check_id(shop_id))


@bp.get("/shoe/<shoe_id>")
def shoe(shoe_id: str) -> str:
    """Product view: 3D shoe, colourways, sizes with fit verdicts, add to cart."""
    return _page("web/shoe.html", "shoe", shoe_id=_check_id(shoe_id))


@bp.get("/my-foot")
def my_foot() -> str:
    """Upload a scan or pick the demo foot; the foot in 3D with its measurements.

    The page refuses files it knows the server will not read before uploading them; the list
    of extensions is the server's (footscan's readers), so USDZ, USD and ZIP pass too.
    """
    from storefront.scans.footscan_bridge import SCAN_EXTENSIONS

    return _page("web/my_foot.html", "my-foot", scan_extensions=list(SCAN_EXTENSIONS))


@bp.get("/scan-guide")
def scan_guide() -> str:
    """How to scan a foot with a phone or at a shop, and which files the shop reads."""
    return _page("web/scan_guide.html", "scan-guide")


@bp.get("/try-on/<shoe_id>")
def try_on(shoe_id: str) -> str:
    """The shopper's foot inside the last of the chosen size, with a clearance heat map."""
    return _page("web/try_on.html", "try-on", shoe_id=_check_id(shoe_id))


@bp.get("/cart")
def cart() -> str:
    """The shopping cart."""
    return _page("web/cart.html", "cart")


@bp.get("/checkout")
def checkout() -> str:
    """Checkout with an idempotency key so a double click places one order."""
    return _page("web/checkout.html", "checkout")


@bp.get("/orders")
def orders() -> str:
    """Order history, returns with a fit reason."""
    return _page("web/orders.html", "orders")


@bp.get("/made-to-measure/<shoe_id>")
def made_to_measure(shoe_id: str) -> str:
    """Made-to-measure order flow for one model."""
    return _page("web/mtm.html", "mtm", shoe_id=_check_id(shoe_id))


@bp.get("/gait")
def gait() -> str:
    """The wearer's gait sessions and their trends."""
    return _page("web/gait.html", "gait")


@bp.get("/gait/<session_id>")
def gait_report(session_id: str) -> str:
    """The report of one gait session, with charts."""
    return _page("web/gait_report.html", "gait-report", session_id=_check_id(session_id))


@bp.get("/manufacturer")
def manufacturer() -> str:
    """Manufacturer dashboard: released aggregates, privacy budget, CSV export."""
    return _page("web/manufacturer.html", "manufacturer")


@bp.get("/account")
def account() -> str:
    """Sign in or register with a cookie session; offers the seeded demo shopper when seeding is on."""
    demo = None
    if current_app.config.get("SEED_DEMO"):
        from storefront.db.seed import DEMO_EMAIL, DEMO_PASSWORD

        # The demo shopper holds synthetic data only; its password is documented in the README.
        demo = {"email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    return _page("web/account.html", "account", demo=demo)


@bp.get("/gait/layouts/<int:n_sensors>.json")
def gait_layout(n_sensors: int) -> Response:
    """Sensor positions and insole outline of one insole layout, for the pressure heat map.

    Insole frame (from :mod:`gait`): millimetres, ``+x`` medial, ``+y`` heel to toe.
    """
    from gait import get_layout
    from gait.exceptions import GaitError

    try:
        layout = get_layout(n_sensors)
    except GaitError:
        abort(404)
    return jsonify(
        {
            "name": layout.name,
            "n_sensors": layout.n_sensors,
            "xy_mm": layout.xy_mm.round(2).tolist(),
            "regions": list(layout.regions),
            "outline_mm": layout.outline_mm.round(2).tolist(),
            "frame": "insole mm, +x medial, +y heel to toe",
        }
    )
