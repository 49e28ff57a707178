"""Gait-session API: file upload, chunked upload (``gait record``), report JSON/HTML, trends."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select

from storefront.accounts.guard import current_user, login_required
from storefront.accounts.views import json_body
from storefront.db.models import GaitSession, GaitUpload, Job
from storefront.errors import ApiError
from storefront.extensions import db
from storefront.gait_sessions import services
from storefront.i18n.errors import api_language
from storefront.jobs import get_runner
from storefront.security.ratelimit import limiter
from storefront.security.uploads import data_keyring, read_private

__all__ = ["bp"]

bp = Blueprint("gaitsessions", __name__, url_prefix="/api/gait")


def _submit(gs: GaitSession):
    db.session.commit()
    job = get_runner().submit("gait", gs.id, gs.user_id)
    gs.job_id = job.id
    db.session.commit()
    return jsonify(
        services.session_to_dict(gs, db.session.get(Job, job.id), language=api_language())
    ), 202


@bp.post("/sessions")
@limiter.limit("upload", "RATELIMIT_UPLOAD", per=("address", "account"))
@login_required(["shopper", "admin"])
def upload_session():
    user = current_user()
    services.require_gait_consent(user)
    get_runner().check_available()
    file = request.files.get("file")
    if file is None:
        raise ApiError(
            400, "missing_file", "send the recording as multipart/form-data field 'file'"
        )
    data = file.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    gs = services.create_session(
        db.session,
        user,
        file.filename,
        data,
        current_app.config["UPLOAD_DIR"],
        int(current_app.config["MAX_DECOMPRESSED_MB"]) << 20,
        keep_raw=(request.form.get("keep_raw") or "").strip().lower() in ("1", "true", "yes", "on"),
        config=current_app.config,
    )
    return _submit(gs)


@bp.post("/uploads")
@limiter.limit("upload", "RATELIMIT_UPLOAD", per=("address", "account"))
@login_required(["shopper", "admin"])
def start_upload():
    up = services.start_chunked(
        db.session, current_user(), json_body().get("filename"), current_app.config
    )
    db.session.commit()
    return jsonify(
        {"upload_id": up.id, "offset": 0, "chunk_url": f"/api/gait/uploads/{up.id}"}
    ), 201


def _upload(upload_id: str) -> GaitUpload:
    user = current_user()
    up = db.session.get(GaitUpload, upload_id) if len(upload_id) <= 36 else None
    if up is None or up.user_id != user.id:
        raise ApiError(404, "not_found", f"no upload {upload_id!r}")
    return up


@bp.put("/uploads/<upload_id>")
@limiter.limit("chunk", "RATELIMIT_CHUNK", per=("address", "account"))
@login_required(["shopper", "admin"])
def put_chunk(upload_id: str):
    up = _upload(upload_id)
    try:
        offset = int(request.args.get("offset", request.headers.get("Upload-Offset", "")))
    except ValueError:
        raise ApiError(
            400, "bad_offset", "send ?offset=<bytes already sent> (or an Upload-Offset header)"
        ) from None
    data = request.get_data(cache=False)
    services.append_chunk(
        up, offset, data, current_app.config["UPLOAD_DIR"], current_app.config["MAX_CONTENT_LENGTH"]
    )
    db.session.commit()
    return jsonify({"upload_id": up.id, "offset": up.received_bytes})


@bp.get("/uploads/<upload_id>")
@login_required(["shopper", "admin"])
def get_upload(upload_id: str):
    up = _upload(upload_id)
    return jsonify({"upload_id": up.id, "offset": up.received_bytes, "filename": up.filename})


@bp.post("/uploads/<upload_id>/complete")
@limiter.limit("upload", "RATELIMIT_UPLOAD", per=("address", "account"))
@login_required(["shopper", "admin"])
def complete_upload(upload_id: str):
    up = _upload(upload_id)
    get_runner().check_available()
    gs = services.complete_chunked(db.session, current_user(), up, current_app.config["UPLOAD_DIR"])
    return _submit(gs)


@bp.get("/sessions")
@login_required()
def list_sessions():
    rows = db.session.scalars(
        select(GaitSession)
        .where(GaitSession.user_id == current_user().id)
        .order_by(GaitSession.id.desc())
        .limit(100)
    )
    return jsonify({"sessions": [services.session_to_dict(gs, None, full=False) for gs in rows]})


@bp.get("/sessions/<session_id>")
@login_required()
def get_session(session_id: str):
    gs = services.get_session_for(db.session, current_user(), session_id)
    job = db.session.get(Job, gs.job_id) if gs.job_id else None
    return jsonify(services.session_to_dict(gs, job, language=api_language()))


@bp.get("/sessions/<session_id>/report.html")
@login_required()
def report_html(session_id: str):
    gs = services.get_session_for(db.session, current_user(), session_id)
    path = Path(current_app.config["UPLOAD_DIR"]) / gs.html_name if gs.html_name else None
    if path is None or not path.is_file():
        raise ApiError(409, "not_ready", f"gait session {gs.id} has no HTML report ({gs.status})")
    what = f"the report of gait session {gs.id}"
    html = read_private(path, data_keyring(), what).decode("utf-8")
    resp = Response(html, mimetype="text/html")
    # The report is self-contained; forbid it from loading anything else.
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'unsafe-inline'"
    )
    return resp


@bp.delete("/sessions/<session_id>")
@login_required()
def delete_session(session_id: str):
    gs = services.get_session_for(db.session, current_user(), session_id)
    folder = Path(current_app.config["UPLOAD_DIR"]) / gs.stored_name
    db.session.delete(gs)
    db.session.commit()
    shutil.rmtree(folder, ignore_errors=True)
    return jsonify({"deleted": True})


@bp.get("/trends")
@login_required()
def trends():
    return jsonify(services.trends_for(db.session, current_user()))
