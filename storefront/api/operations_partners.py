"""The manufacturer and care-manager operations of ``/api`` (rows of the OpenAPI table)."""

from __future__ import annotations

from typing import Any

from storefront.api.operations_helpers import _B, _N, _S, _json_body, _q
from storefront.api.responses import MTM_PREVIEW
from storefront.api.schema import DATE

__all__ = ["PARTNER_OPERATIONS"]

#: A made-to-measure file download (storefront.workshop.services.FILE_TYPES).
_FILE_RESPONSE: dict[str, Any] = {
    "description": "The file (encrypted at rest, decrypted for the download)",
    "content": {
        "model/stl": {"schema": {"type": "string", "format": "binary"}},
        "model/3mf": {"schema": {"type": "string", "format": "binary"}},
        "text/html": {"schema": {"type": "string"}},
        "application/json": {"schema": MTM_PREVIEW},
    },
}

#: (method, path, tag, summary, auth, extra operation fields)
PARTNER_OPERATIONS: list[tuple[str, str, str, str, str | None, dict[str, Any]]] = [
    (
        "get",
        "/api/manufacturer/foot-stats",
        "manufacturer",
        "DP foot-shape counts from consenting shoppers (JSON or ?format=csv); spends privacy budget",
        "manufacturer",
        {
            "parameters": [
                _q(
                    "dims",
                    "comma list of length_bin, width, region, age_band, sex, arch_band, girth_band",
                ),
                _q("epsilon", "privacy loss to spend on this release", schema=_N),
                _q("format", "json or csv"),
                _q("region", "restrict to one region"),
                _q("age_band", "restrict to one age band"),
                _q("sex", "restrict to one sex"),
            ]
        },
    ),
    (
        "get",
        "/api/manufacturer/shape-stats",
        "manufacturer",
        "DP shape statistics (quantiles per length bin, girth-on-length regression per sex, "
        "average feet) with method, noise scales and budget; JSON, CSV or Parquet; spends budget",
        "manufacturer",
        {
            "parameters": [
                _q("kind", "quantiles, regression or average_feet"),
                _q("measure", "ball_girth, ball_width, instep_girth, instep_height or heel_width"),
                _q("epsilon", "privacy loss to spend on this release", schema=_N),
                _q("format", "json, csv or parquet"),
                _q("region", "restrict to one region"),
                _q("age_band", "restrict to one age band"),
                _q("sex", "restrict to one sex"),
            ]
        },
    ),
    (
        "get",
        "/api/manufacturer/average-foot/{release_id}/{length_bin}.{fmt}",
        "manufacturer",
        "Mesh of an average foot already released (fmt stl in mm or glb in m); costs no budget",
        "manufacturer",
        {},
    ),
    (
        "get",
        "/api/manufacturer/budget",
        "manufacturer",
        "Privacy budget: epsilon allowed, spent and left this period; release log",
        "manufacturer",
        {},
    ),
    # care managers (storefront.care): codes, linked wearers, weekly report; the wearer's side
    (
        "post",
        "/api/care/invitations",
        "care",
        "Create a one-time link code (valid 7 days) to give to a wearer",
        "care_manager",
        {"responses": {"201": {"description": "Created"}}},
    ),
    (
        "get",
        "/api/care/invitations",
        "care",
        "Open link codes (never the codes)",
        "care_manager",
        {},
    ),
    (
        "get",
        "/api/care/wearers",
        "care",
        "Linked wearers with indicators, wear time, trend and alerts (each read is logged)",
        "care_manager",
        {},
    ),
    (
        "get",
        "/api/care/wearers/{wearer_id}",
        "care",
        "One linked wearer's care view (logged); 404 for anyone not linked with consent",
        "care_manager",
        {},
    ),
    (
        "get",
        "/api/care/wearers/{wearer_id}/report",
        "care",
        "Weekly report: the 7 days (Asia/Seoul) ending on `end` (logged)",
        "care_manager",
        {
            "parameters": [
                _q(
                    "end",
                    "last day of the week, YYYY-MM-DD (default today); any other value: 400",
                    schema=DATE,
                )
            ]
        },
    ),
    ("get", "/api/care/links", "care", "The wearer's care-manager links", "shopper", {}),
    (
        "post",
        "/api/care/links",
        "care",
        "Link the care manager behind a code, with explicit consent (true)",
        "shopper",
        {
            "requestBody": _json_body({"code": _S, "consent": _B}, ["code", "consent"]),
            "responses": {"201": {"description": "Linked"}},
        },
    ),
    (
        "delete",
        "/api/care/links/{link_id}",
        "care",
        "End a care-manager link; access ends at once",
        "shopper",
        {},
    ),
    (
        "get",
        "/api/care/access-log",
        "care",
        "Who read the wearer's care data and when (newest first)",
        "shopper",
        {},
    ),
    # makers of made-to-measure pairs (storefront.workshop): only the orders assigned to them
    (
        "get",
        "/api/workshop/orders",
        "workshop",
        "The made-to-measure orders assigned to this maker, with file status and download links",
        "maker",
        {},
    ),
    (
        "get",
        "/api/workshop/orders/{order_id}",
        "workshop",
        "One assigned order with the foot measurements (mm) and the last-modification spec; "
        "404 for any order not assigned to this maker. Measurements of a made-to-measure "
        "order leave the shop only here and in the order's files, to its assigned maker",
        "maker",
        {},
    ),
    (
        "get",
        "/api/workshop/orders/{order_id}/files/{name}",
        "workshop",
        "Download a file of an assigned order: last.stl, last.3mf, insole.stl, insole.3mf "
        "(millimetres, watertight), spec.ko.html, spec.en.html (printable spec sheet), "
        "preview.json; 409 while the file job runs",
        "maker",
        {"responses": {"200": _FILE_RESPONSE}},
    ),
    (
        "get",
        "/api/orders/{order_id}/files/{name}",
        "shop",
        "A file of a made-to-measure order: its shopper reads spec.ko.html, spec.en.html and "
        "preview.json, its assigned maker every file; 404 for anyone else",
        "any",
        {"responses": {"200": _FILE_RESPONSE}},
    ),
    (
        "get",
        "/api/orders/made-to-measure/quotes/{quote_id}/preview",
        "shop",
        "The quote's 3D preview: personal last mesh, foot points with clearance (mm), "
        "clearance per region, changes from the nearest stock size; 409 while the job runs",
        "shopper",
        {},
    ),
]
