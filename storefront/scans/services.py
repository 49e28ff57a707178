"""Scan services (no Flask): accept an upload, process it as a job, present the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from storefront.db.jsonable import to_jsonable
from storefront.db.models import Job, Scan, User, as_utc
from storefront.domain_errors import StoredFileUnreadable, ValidationFailed
from storefront.extensions import DbSession, db
from storefront.jobs import ProgressFn
from storefront.scans.footscan_bridge import (
    FOOT_POINTS_KEY,
    SCAN_EXTENSIONS,
    is_refusal,
    measure_file,
)
from storefront.scans.verdict import refusal_verdict, scan_verdict, verdict_of
from storefront.security.ownership import get_owned
from storefront.security.uploads import (
    data_keyring,
    plaintext_copies,
    read_upload,
    store_bytes,
    store_file,
)

__all__ = [
    "UNITS",
    "create_scan",
    "fail_scan",
    "foot_points_path",
    "get_scan_for",
    "latest_scan_for",
    "process_scan",
    "scan_to_dict",
]

#: Accepted ``units`` form values.
UNITS = ("auto", "m", "cm", "mm", "in")


def create_scan(
    session: DbSession,
    user: User,
    filename: str | None,
    data: bytes,
    units: str,
    upload_dir: str,
    max_decompressed_bytes: int,
    keep_raw: bool = False,
    config: Any = None,
) -> Scan:
    """Check and store an upload, add a ``queued`` scan row (flushed, not committed).

    The account's quota is checked first (``config``); the raw capture is deleted once it is
    measured unless ``keep_raw``.
    """
    if units not in UNITS:
        raise ValidationFailed(
            f"units must be one of {UNITS}, got {units!r}", {"units": "bad value"}
        )
    (upload,) = read_upload(filename, data, SCAN_EXTENSIONS, max_decompressed_bytes)
    if config is not None:
        from storefront.security.quota import check_quota

        check_quota(session, user.id, len(upload.data), config)
    stored = store_bytes(Path(upload_dir) / "scans", upload.data, upload.suffix, data_keyring())
    scan = Scan(
        user_id=user.id,
        filename=upload.filename,
        stored_name=f"scans/{stored}",
        units=units,
        size_bytes=len(upload.data),
        keep_raw=bool(keep_raw),
    )
    session.add(scan)
    try:
        session.flush()
    except Exception:
        (Path(upload_dir) / scan.stored_name).unlink(missing_ok=True)
        raise
    return scan


def process_scan(scan_id: int, progress: ProgressFn) -> None:
    """Job handler: measure the stored scan and save footscan's JSON on the row.

    A capture footscan refuses (not a foot, unknown units...) or measures but does not accept
    (``quality.accepted`` false) keeps a ``verdict`` in ``result`` and raises
    :class:`~storefront.domain_errors.ScanNotAccepted` (reasons and what to do); the job runner
    records that failure once, on the job and, through :func:`fail_scan`, on the row.
    """
    from flask import current_app

    scan = db.session.get(Scan, scan_id)
    if scan is None:
        return
    scan.status = "running"
    db.session.commit()
    path = Path(current_app.config["UPLOAD_DIR"]) / scan.stored_name
    progress(0.1, "reading and measuring")
    ring = data_keyring()
    try:
        # Decrypted only here, into a private in-memory folder that goes when measuring ends.
        with plaintext_copies(ring, [path], f"scan {scan.filename}") as work:
            result, glb = _measure(work / path.name, scan.filename, scan.units)
    except StoredFileUnreadable:
        raise
    except Exception as exc:
        if not is_refusal(exc):
            raise
        db.session.rollback()
        verdict = refusal_verdict(str(exc))
        _keep_verdict(scan_id, {"verdict": verdict.to_dict()})
        raise verdict.error() from exc
    points = result.pop(FOOT_POINTS_KEY, None) if isinstance(result, dict) else None
    result = to_jsonable(result)
    verdict = scan_verdict(result)
    if not verdict.accepted:
        _keep_verdict(scan_id, {**result, "verdict": verdict.to_dict()})
        raise verdict.error()
    progress(0.9, "saving measurements")
    if glb is not None:
        store_file(glb_path(path), glb, ring)
    if points is not None:  # the foot a personal last is built on (made to measure)
        store_file(foot_points_path(path), points, ring)
    scan = db.session.get(Scan, scan_id)
    if scan is None:  # deleted while we worked
        glb_path(path).unlink(missing_ok=True)
        foot_points_path(path).unlink(missing_ok=True)
        return
    scan.result = result
    scan.status = "done"
    scan.error = None
    keep = scan.keep_raw
    db.session.commit()
    if not keep:  # retention: the measurements and foot model stay, the raw capture goes
        path.unlink(missing_ok=True)


def _measure(path: Path, filename: str, units: str) -> tuple[dict[str, Any], bytes | None]:
    """footscan on one file, in a child process with the job's memory and time limits."""
    from flask import current_app

    from storefront.security.isolation import limits_from_config, run_limited

    cfg = current_app.config
    if cfg.get("JOB_ISOLATION", "process") == "none":
        return measure_file(path, filename, units)
    return run_limited(
        measure_file, (path, filename, units), limits_from_config(cfg), "measuring this scan"
    )


def _keep_verdict(scan_id: int, result: dict[str, Any]) -> None:
    scan = db.session.get(Scan, scan_id)
    if scan is not None:
        scan.result = result
        db.session.commit()


def fail_scan(scan_id: int, message: str) -> None:
    """Close a scan as failed (job-failure hook); its raw file goes, only the reason stays."""
    from flask import current_app

    scan = db.session.get(Scan, scan_id)
    if scan is None:
        return
    scan.status = "failed"
    scan.error = message[:2000]
    db.session.commit()
    remove_scan_files(current_app.config["UPLOAD_DIR"], scan.stored_name)


def glb_path(scan_file: Path) -> Path:
    """Where the foot GLB of a stored scan lives (next to it)."""
    return scan_file.with_name(scan_file.name + ".glb")


def foot_points_path(scan_file: Path) -> Path:
    """Where the foot points (``.npy``, mm, footscan's foot frame) of a stored scan live."""
    return scan_file.with_name(scan_file.name + ".foot.npy")


def remove_scan_files(upload_dir: str | Path, stored_name: str) -> None:
    """Delete a scan's upload, its GLB and its foot points."""
    path = Path(upload_dir) / stored_name
    path.unlink(missing_ok=True)
    glb_path(path).unlink(missing_ok=True)
    foot_points_path(path).unlink(missing_ok=True)


def get_scan_for(session: DbSession, user: User, scan_id: Any) -> Scan:
    """The user's scan by id; 404 for unknown ids and other people's scans alike."""
    return get_owned(session, Scan, scan_id, user, "scan")


def latest_scan_for(session: DbSession, user_id: int) -> Scan | None:
    """The person's newest measured scan (one record per person for aggregates)."""
    return session.scalar(
        select(Scan)
        .where(Scan.user_id == user_id, Scan.status == "done")
        .order_by(Scan.id.desc())
        .limit(1)
    )


def scan_to_dict(scan: Scan, job: Job | None, language: str = "en") -> dict[str, Any]:
    """Public view of a scan and its job.

    ``verdict`` says whether the shop may use the scan (``accepted``), else why (``reasons``)
    and what to do (``advice``). A scan that is not accepted shows no measurements or sizes.
    ``job`` is the job status (:func:`storefront.jobs.status.job_status`): its ``error`` in
    ``language`` (the view passes the request's), the English reason in ``detail``. The
    scan's own ``error`` is in ``language`` too, the English as recorded in ``error_detail``.
    """
    from storefront.jobs.status import error_fields, job_status

    verdict = verdict_of(scan)
    usable = verdict is not None and verdict.accepted
    return {
        "id": scan.id,
        "status": scan.status,
        "filename": scan.filename,
        "units": scan.units,
        "size_bytes": scan.size_bytes,
        "keep_raw": scan.keep_raw,
        "created_at": as_utc(scan.created_at).isoformat(),
        "measurements": scan.result if usable else None,
        "verdict": verdict.to_dict() if verdict is not None else None,
        **error_fields(scan.error, language),
        "job": job_status(job, language) if job else None,
        "links": {
            "self": f"/api/scans/{scan.id}",
            "foot_glb": f"/api/scans/{scan.id}/foot.glb",
            "job": f"/api/jobs/{scan.job_id}" if scan.job_id else None,
        },
    }
