"""Scan API: upload (multipart), demo foot, status/progress, measurements, foot GLB."""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select

from storefront.accounts.guard import current_user, login_required
from storefront.db.models import Job, Scan
from storefront.errors import ApiError
from storefront.extensions import db
from storefront.i18n.errors import api_language
from storefront.jobs import get_runner
from storefront.jobs.status import job_status
from storefront.scans import services
from storefront.scans.footscan_bridge import demo_scan_ply
from storefront.security.ratelimit import limiter
from storefront.security.uploads import data_keyring, read_private

__all__ = ["bp"]

bp = Blueprint("scans", __name__, url_prefix="/api")


def _max_decompressed() -> int:
    return int(current_app.config["MAX_DECOMPRESSED_MB"]) * 1024 * 1024


def _flag(value: str | None) -> bool:
    """An optional form flag: ``true``/``1``/``yes``/``on``."""
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _submit(scan: Scan) -> Scan:
    db.session.commit()
    job = get_runner().submit("scan", scan.id, scan.user_id)
    scan.job_id = job.id
    db.session.commit()
    return scan


def _response(scan: Scan, status: int = 200):
    job = db.session.get(Job, scan.job_id) if scan.job_id else None
    return jsonify(services.scan_to_dict(scan, job, api_language())), status


@bp.post("/scans")
@limiter.limit("upload", "RATELIMIT_UPLOAD", per=("address", "account"))
@login_required(["shopper", "admin"])
def upload_scan():
    get_runner().check_available()
    file = request.files.get("file")
    if file is None:
        raise ApiError(400, "missing_file", "send the scan as multipart/form-data field 'file'")
    data = file.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    scan = services.create_scan(
        db.session,
        current_user(),
        file.filename,
        data,
        request.form.get("units", "auto"),
        current_app.config["UPLOAD_DIR"],
        _max_decompressed(),
        keep_raw=_flag(request.form.get("keep_raw")),
        config=current_app.config,
    )
    return _response(_submit(scan), 202)


@bp.post("/scans/demo")
@limiter.limit("upload", "RATELIMIT_UPLOAD", per=("address", "account"))
@login_required(["shopper", "admin"])
def demo_scan():
    get_runner().check_available()
    data = request.get_json(silent=True) if request.data else {}
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", 'expected a JSON object like {"foot_length_mm": 265}')
    length = data.get("foot_length_mm", 265.0)
    side = data.get("side", "right")
    seed = data.get("seed", 0)
    errors = {}
    if not isinstance(length, int | float) or isinstance(length, bool) or not 150 <= length <= 330:
        errors["foot_length_mm"] = "expected a number between 150 and 330"
    if side not in ("left", "right"):
        errors["side"] = "expected 'left' or 'right'"
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**31:
        errors["seed"] = "expected a non-negative integer"
    if errors:
        raise ApiError(422, "validation_failed", "demo foot input is invalid", errors)
    ply = demo_scan_ply(float(length), side, seed)
    scan = services.create_scan(
        db.session,
        current_user(),
        f"demo_{side}_{int(length)}mm.ply",
        ply,
        "mm",
        current_app.config["UPLOAD_DIR"],
        _max_decompressed(),
        config=current_app.config,
    )
    return _response(_submit(scan), 202)


@bp.get("/scans")
@login_required()
def list_scans():
    user = current_user()
    scans = list(
        db.session.scalars(
            select(Scan).where(Scan.user_id == user.id).order_by(Scan.id.desc()).limit(100)
        )
    )
    # the failed ones' jobs (one query): their reasons in the request's language
    failed = [s.job_id for s in scans if s.status == "failed" and s.job_id]
    jobs = (
        {j.id: j for j in db.session.scalars(select(Job).where(Job.id.in_(failed)))}
        if failed
        else {}
    )
    language = api_language()
    return jsonify(
        {
            "scans": [
                services.scan_to_dict(s, jobs.get(s.job_id) if s.job_id else None, language)
                for s in scans
            ]
        }
    )


@bp.get("/scans/<scan_id>")
@login_required()
def get_scan(scan_id: str):
    return _response(services.get_scan_for(db.session, current_user(), scan_id))


@bp.delete("/scans/<scan_id>")
@login_required()
def delete_scan(scan_id: str):
    scan = services.get_scan_for(db.session, current_user(), scan_id)
    name = scan.stored_name
    db.session.delete(scan)
    db.session.commit()
    services.remove_scan_files(current_app.config["UPLOAD_DIR"], name)
    return jsonify({"deleted": True})


@bp.get("/scans/<scan_id>/foot.glb")
@login_required()
def scan_glb(scan_id: str):
    scan = services.get_scan_for(db.session, current_user(), scan_id)
    path = services.glb_path(Path(current_app.config["UPLOAD_DIR"]) / scan.stored_name)
    if scan.status != "done":
        raise ApiError(
            409, "not_ready", f"scan {scan.id} is {scan.status}; the foot model is not ready"
        )
    if not path.is_file():
        raise ApiError(404, "no_model", f"scan {scan.id} could not be turned into a 3D model")
    data = read_private(path, data_keyring(), f"the foot model of scan {scan.id}")
    resp = Response(data, mimetype="model/gltf-binary")
    resp.headers["Cache-Control"] = "private, max-age=3600"
    resp.set_etag(hashlib.sha256(data).hexdigest()[:32])
    resp.make_conditional(request)
    return resp


@bp.get("/jobs/<job_id>")
@login_required()
def get_job(job_id: str):
    user = current_user()
    job = db.session.get(Job, job_id) if len(job_id) <= 36 else None
    if job is None or (job.user_id != user.id and user.role != "admin"):
        raise ApiError(404, "not_found", f"no job {job_id!r}")
    return jsonify(job_status(job, api_language()))  # the reason as API errors give it
