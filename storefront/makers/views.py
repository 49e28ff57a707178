"""Manufacturer API: DP foot statistics (JSON/CSV), budget and release log.

A manufacturer gets aggregates only. Made-to-measure orders (with a shopper's measurements) go
to the maker account they are assigned to (``storefront.workshop``), never to a manufacturer.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from flask.blueprints import BlueprintSetupState

from storefront.accounts.guard import current_user, login_required
from storefront.db.models import Manufacturer
from storefront.errors import ApiError
from storefront.extensions import db
from storefront.makers import releases, services
from storefront.security.ratelimit import limiter

__all__ = ["bp"]

bp = Blueprint("mfr", __name__, url_prefix="/api/manufacturer")


@bp.record_once
def _warm_up(state: BlueprintSetupState) -> None:
    """Import OpenDP and build the default measurements in the background at start-up, so
    the first release does not pay for it (skipped in tests)."""
    if not state.app.testing and state.app.config.get("MAKERS_WARM_UP", True):
        from storefront.makers.dp import warm_up_in_background

        warm_up_in_background()


def _manufacturer() -> Manufacturer:
    user = current_user()
    mfr = db.session.get(Manufacturer, user.manufacturer_id) if user.manufacturer_id else None
    if mfr is None:
        raise ApiError(403, "forbidden", "this account is not linked to a manufacturer")
    return mfr


@bp.get("/foot-stats")
@limiter.limit("manufacturer", "RATELIMIT_MANUFACTURER", per=("address", "account"))
@login_required(["manufacturer"])
def foot_stats():
    out = services.release(
        db.session, _manufacturer(), request.args, current_app.config, current_app.instance_path
    )
    if request.args.get("format", "json") == "csv":
        return Response(
            services.to_csv(out),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="foot-stats.csv"'},
        )
    return jsonify(out)


@bp.get("/shape-stats")
@limiter.limit("manufacturer", "RATELIMIT_MANUFACTURER", per=("address", "account"))
@login_required(["manufacturer"])
def shape_stats():
    """DP shape statistics (quantiles, regression, average feet); JSON, CSV or Parquet."""
    fmt = request.args.get("format", "json")
    if fmt not in ("json", "csv", "parquet"):
        raise ApiError(422, "validation_failed", "format must be json, csv or parquet")
    out = releases.release_shape(
        db.session, _manufacturer(), request.args, current_app.config, current_app.instance_path
    )
    name = f"shape-{out['query']['statistic']}-{out['release_id']}"
    if fmt == "csv":
        return Response(
            releases.to_csv(out),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if fmt == "parquet":
        return Response(
            releases.to_parquet(out),
            mimetype="application/vnd.apache.parquet",
            headers={"Content-Disposition": f'attachment; filename="{name}.parquet"'},
        )
    return jsonify(out)


@bp.get("/average-foot/<int:release_id>/<length_bin>.<fmt>")
@login_required(["manufacturer"])
def average_foot(release_id: int, length_bin: str, fmt: str):
    """The mesh of an average foot already released (STL in mm, GLB in m); free."""
    data, mimetype = releases.average_foot_file(
        db.session, _manufacturer(), release_id, length_bin, fmt
    )
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": (
                f'attachment; filename="average-foot-{release_id}-{length_bin}.{fmt}"'
            )
        },
    )


@bp.get("/budget")
@login_required(["manufacturer"])
def budget():
    return jsonify(services.budget_status(db.session, _manufacturer(), config=current_app.config))
