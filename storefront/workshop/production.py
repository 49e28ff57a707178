"""Jobs that build a made-to-measure order's files and a quote's 3D preview.

``mtm_preview`` (target: the quote) builds the personal last from the quote's scan and stores
the shopper's preview JSON. ``mtm_files`` (target: the made-to-measure row) builds the last and
the insole (shaped by the shopper's latest insole session when they consented to insole data
and its recording is kept) and stores ``last.stl``, ``last.3mf``, ``insole.stl``,
``insole.3mf``, ``spec.ko.html``, ``spec.en.html`` and ``preview.json``, each encrypted at
rest (:mod:`storefront.security.encryption`). The files are written into a hidden temporary
folder that is renamed into place only when all are written, and the row names the folder only
then: a failing job leaves no file and records its reason on the row.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from datetime import UTC
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storefront.db.models import GaitSession, MadeToMeasure, MtmQuote, Order, Scan, User, as_utc
from storefront.domain_errors import Conflict
from storefront.extensions import db
from storefront.jobs import ProgressFn
from storefront.security.uploads import (
    data_keyring,
    plaintext_copies,
    private_dir,
    read_private,
    store_bytes,
    store_file,
)
from storefront.workshop import lasts_bridge
from storefront.workshop.spec_sheet import render_spec_sheet

__all__ = [
    "FILE_NAMES",
    "fail_files",
    "fail_preview",
    "process_files",
    "process_preview",
    "submit_files",
    "submit_preview",
]

#: Every file of a made-to-measure order, in the order the maker page lists them.
FILE_NAMES = (
    "last.stl",
    "last.3mf",
    "insole.stl",
    "insole.3mf",
    "spec.ko.html",
    "spec.en.html",
    "preview.json",
)


def submit_preview(q: MtmQuote) -> None:
    """Queue the preview job of a committed quote (progress at ``/api/jobs/<id>``)."""
    from storefront.jobs import get_runner

    q.preview_status = "queued"
    db.session.commit()
    job = get_runner().submit("mtm_preview", q.id, q.user_id)
    q.preview_job_id = job.id
    db.session.commit()


def submit_files(mtm: MadeToMeasure, user_id: int | None) -> None:
    """Queue the file job of a confirmed made-to-measure order (confirmation commits first)."""
    from storefront.jobs import get_runner

    job = get_runner().submit("mtm_files", mtm.id, user_id)
    mtm.files_job_id = job.id
    db.session.commit()


def _upload_dir() -> Path:
    from flask import current_app

    return Path(current_app.config["UPLOAD_DIR"])


def _catalog() -> Any:
    from flask import current_app

    from storefront.catalog.services import load_catalog_cached

    return load_catalog_cached(current_app.config.get("CATALOG_PATH"))


def _foot(scan_id: int) -> tuple[Any, str, float]:
    """The accepted scan's foot points, side and foot length (409 with what to do otherwise)."""
    from storefront.scans.services import foot_points_path
    from storefront.scans.verdict import verdict_of

    scan = db.session.get(Scan, scan_id)
    if scan is None or scan.status != "done" or not scan.result:
        raise Conflict(
            "the scan behind this order was deleted or is not measured; scan again", code="gone"
        )
    verdict = verdict_of(scan)
    if verdict is not None and not verdict.accepted:
        raise verdict.error()
    path = foot_points_path(_upload_dir() / scan.stored_name)
    if not path.is_file():
        raise Conflict(
            "this scan was measured before personal lasts were made and keeps no foot "
            "surface; scan your foot again for a made-to-measure pair",
            code="no_foot_surface",
        )
    data = read_private(path, data_keyring(), f"the foot of scan {scan.id}")
    return (
        lasts_bridge.foot_points_from_npy(data),
        str(scan.result["side"]),
        float(scan.result["foot_length_mm"]),
    )


def _base_size(model: Any, base: dict[str, Any]) -> Any:
    for s in model.sizes:
        if float(s.eu) == float(base["eu"]) and s.width == base["width"]:
            return s
    raise Conflict(f"size EU {base['eu']} {base['width']} is no longer made", code="gone")


def process_preview(quote_id: int, progress: ProgressFn) -> None:
    """Job handler: the shopper's 3D preview of a quote (personal last, foot, clearance)."""
    q = db.session.get(MtmQuote, quote_id)
    if q is None:
        return
    q.preview_status = "running"
    scan_id, model_id, base = q.scan_id, q.model_id, dict(q.last_spec["base_last"])
    measurements = dict(q.measurements or {})
    db.session.commit()
    progress(0.05, "reading your foot")
    points, side, foot_length = _foot(scan_id)
    model = _catalog().model(model_id)
    progress(0.2, "building your last")
    built = lasts_bridge.build(points, side, foot_length, model, with_insole=False)
    progress(0.85, "saving the preview")
    payload = lasts_bridge.preview_payload(built, _base_size(model, base), base, measurements)
    data = json.dumps(payload, allow_nan=False).encode("utf-8")
    name = store_bytes(_upload_dir() / "mtm" / "previews", data, ".json", data_keyring())
    q = db.session.get(MtmQuote, quote_id)
    if q is None:  # the quote went (account deleted) while we worked
        (_upload_dir() / "mtm" / "previews" / name).unlink(missing_ok=True)
        return
    old = q.preview_name
    q.preview_name, q.preview_status, q.preview_error = f"mtm/previews/{name}", "done", None
    db.session.commit()
    if old:
        (_upload_dir() / old).unlink(missing_ok=True)


def fail_preview(quote_id: int, message: str) -> None:
    """Close a quote's preview as failed (job-failure hook) with the reason the shopper reads."""
    q = db.session.get(MtmQuote, quote_id)
    if q is not None:
        q.preview_status, q.preview_error = "failed", message[:2000]
        db.session.commit()


def _pressure(user_id: int | None, side: str) -> tuple[Any, str | None]:
    """The pressure map of the shopper's latest analysed insole session, if consented and kept."""
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None or not user.consent_gait_health:
        return None, None
    gs = db.session.scalar(
        select(GaitSession)
        .where(GaitSession.user_id == user.id, GaitSession.status == "done")
        .order_by(GaitSession.id.desc())
        .limit(1)
    )
    if gs is None:
        return None, None
    folder = _upload_dir() / gs.stored_name
    raw = [folder / gs.filename] if (folder / gs.filename).is_file() else []
    if not raw:
        return None, f"session {gs.id}: recording not kept (only its report), not used"
    with plaintext_copies(data_keyring(), raw, f"recording {gs.filename}") as work:
        pm, source = lasts_bridge.pressure_map(work / gs.filename, side)
    return pm, f"session {gs.id}: {source}"


def _order_details(mtm: MadeToMeasure, order: Order, q: MtmQuote | None) -> dict[str, Any]:
    return {
        "id": order.id,
        "date": as_utc(order.created_at).astimezone(UTC).strftime("%Y-%m-%d"),
        "shop": mtm.shop_id,
        "model_id": mtm.model_id,
        "colourway_id": mtm.colourway_id,
        "base_eu": mtm.base_size_eu,
        "base_width": mtm.base_width,
        "lead_time_days": q.lead_time_days if q is not None else "?",
        "fulfilment": "delivery" if order.delivery else "collect at the shop",
        "measurements": dict(mtm.measurements or {}),
    }


def _build_files(mtm_id: int, progress: ProgressFn) -> tuple[dict[str, bytes], str | None]:
    mtm = db.session.get(MadeToMeasure, mtm_id)
    assert mtm is not None
    order = db.session.get(Order, mtm.order_id)
    q = db.session.scalar(select(MtmQuote).where(MtmQuote.order_id == mtm.order_id))
    if order is None or q is None:
        raise Conflict(f"made-to-measure order {mtm.order_id} has no quote", code="gone")
    details = _order_details(mtm, order, q)
    base = {"eu": float(mtm.base_size_eu), "width": mtm.base_width}
    user_id = order.user_id
    progress(0.05, "reading the foot")
    points, side, foot_length = _foot(q.scan_id)
    model = _catalog().model(mtm.model_id)
    progress(0.15, "reading the insole session")
    pressure, source = _pressure(user_id, side)
    db.session.commit()  # end the read transaction before the long build
    progress(0.25, "building the last and the insole")
    built = lasts_bridge.build(points, side, foot_length, model, pressure)
    progress(0.75, "writing the files")
    files = lasts_bridge.mesh_files(built)
    for lang in ("ko", "en"):
        html = render_spec_sheet(built, model, details, source, lang)
        files[f"spec.{lang}.html"] = html.encode("utf-8")
    preview = lasts_bridge.preview_payload(
        built, _base_size(model, base), base, details["measurements"]
    )
    files["preview.json"] = json.dumps(preview, allow_nan=False).encode("utf-8")
    return files, source


def _write_folder(files: dict[str, bytes]) -> str:
    """Encrypt every file into a hidden folder, then rename it into place; its relative path."""
    root = private_dir(_upload_dir() / "mtm" / "orders")
    name = uuid.uuid4().hex
    tmp = root / f".{name}.tmp"
    private_dir(tmp)
    ring = data_keyring()
    try:
        for fname, data in files.items():
            store_file(tmp / fname, data, ring)
        os.replace(tmp, root / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return f"mtm/orders/{name}"


def process_files(mtm_id: int, progress: ProgressFn) -> None:
    """Job handler: build and store every file of a made-to-measure order, all or nothing."""
    mtm = db.session.get(MadeToMeasure, mtm_id)
    if mtm is None:
        return
    mtm.files_status, mtm.files_error = "running", None
    db.session.commit()
    files, source = _build_files(mtm_id, progress)
    folder = _write_folder(files)
    try:
        mtm = db.session.get(MadeToMeasure, mtm_id)
        if mtm is None:  # the order went while we worked
            raise LookupError
        old = mtm.files_dir
        mtm.files_dir = folder
        mtm.files = {
            k: {"bytes": len(v), "sha256": hashlib.sha256(v).hexdigest()} for k, v in files.items()
        }
        mtm.files_status, mtm.files_error, mtm.pressure_source = "done", None, source
        db.session.commit()
    except BaseException:
        db.session.rollback()
        shutil.rmtree(_upload_dir() / folder, ignore_errors=True)
        if mtm is None:
            return
        raise
    progress(1.0, "files ready")
    if old and old != folder:
        shutil.rmtree(_upload_dir() / old, ignore_errors=True)


def fail_files(mtm_id: int, message: str) -> None:
    """Close an order's file build as failed (job-failure hook); no file is left behind."""
    mtm = db.session.get(MadeToMeasure, mtm_id)
    if mtm is None:
        return
    mtm.files_status, mtm.files_error = "failed", message[:2000]
    db.session.commit()
    root = _upload_dir() / "mtm" / "orders"
    if root.is_dir():  # temp folders of a run killed mid-write
        for stale in root.glob(".*.tmp"):
            if stale.is_dir() and (stale.stat().st_mtime < _now_s() - 3600):
                shutil.rmtree(stale, ignore_errors=True)


def _now_s() -> float:
    import time

    return time.time()
