"""Gait-session services (no Flask): accept recordings, analyse them as jobs, trends."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from storefront.db.jsonable import to_jsonable
from storefront.db.models import GaitSession, GaitUpload, Job, User, as_utc
from storefront.domain_errors import (
    Conflict,
    Forbidden,
    InsufficientStorage,
    InvalidUpload,
    PayloadTooLarge,
    RecordingNotUsable,
    UnsupportedFileType,
    UploadOffsetMismatch,
    ValidationFailed,
)
from storefront.extensions import DbSession, db
from storefront.gait_sessions.gait_bridge import GAIT_EXTENSIONS, analyze_file
from storefront.jobs import ProgressFn
from storefront.security.encryption import EncryptionError, append_record, encrypt
from storefront.security.ownership import get_owned
from storefront.security.uploads import (
    DIR_MODE,
    FILE_MODE,
    UploadedFile,
    check_filename,
    data_keyring,
    is_disk_full,
    plaintext_copies,
    private_dir,
    read_private,
    read_upload,
    store_file,
)

__all__ = [
    "append_chunk",
    "create_session",
    "expire_abandoned_uploads",
    "fail_session",
    "get_session_for",
    "process_gait_session",
    "require_gait_consent",
    "session_to_dict",
    "start_chunked",
    "trends_for",
]

_WFDB_MAIN = (".hea",)


def require_gait_consent(user: User) -> None:
    """Gait data reveal health status: refuse without the separate, explicit consent."""
    if not user.consent_gait_health:
        raise Forbidden(
            "gait recordings are health data: give explicit consent first "
            '(PATCH /api/me with {"consent": {"gait_health": true}})',
            code="consent_required",
        )


def _store_files(files: list[UploadedFile], upload_dir: str) -> tuple[str, str]:
    """Write the files into a fresh folder (atomically, by renaming the folder); return (folder, main file)."""
    names = [f.filename for f in files]
    if len(set(names)) != len(names):
        raise InvalidUpload("the archive has duplicate file names")
    main = next((f.filename for f in files if f.suffix in _WFDB_MAIN), None)
    if main is None:
        if len(files) != 1:
            raise InvalidUpload("several files are only accepted for a WFDB record (.hea + data)")
        main = files[0].filename
    root = private_dir(Path(upload_dir) / "gait")
    folder = uuid.uuid4().hex
    tmp = root / f".{folder}.tmp"
    tmp.mkdir(mode=DIR_MODE)
    ring = data_keyring()
    try:
        for f in files:
            fd = os.open(tmp / f.filename, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(fd, "wb") as fh:
                fh.write(encrypt(ring, f.data))  # encrypted at rest (AES-256-GCM)
        os.replace(tmp, root / folder)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if is_disk_full(exc):
            raise InsufficientStorage(
                "the server has no space left for uploads; nothing was saved"
            ) from None
        raise
    return f"gait/{folder}", main


def create_session(
    session: DbSession,
    user: User,
    filename: str | None,
    data: bytes,
    upload_dir: str,
    max_decompressed_bytes: int,
    keep_raw: bool = False,
    config: Any = None,
) -> GaitSession:
    """Check and store a recording upload; add a queued session row (flushed).

    The account's quota is checked first (``config``); the raw recording is deleted once it
    is analysed unless ``keep_raw`` (the report stays).
    """
    require_gait_consent(user)
    files = read_upload(filename, data, GAIT_EXTENSIONS, max_decompressed_bytes, max_members=4)
    size = sum(len(f.data) for f in files)
    if config is not None:
        from storefront.security.quota import check_quota

        check_quota(session, user.id, size, config)
    folder, main = _store_files(files, upload_dir)
    gs = GaitSession(
        user_id=user.id, filename=main, stored_name=folder, keep_raw=bool(keep_raw), size_bytes=size
    )
    session.add(gs)
    try:
        session.flush()
    except Exception:
        shutil.rmtree(Path(upload_dir) / folder, ignore_errors=True)
        raise
    return gs


def start_chunked(session: DbSession, user: User, filename: Any, config: Any = None) -> GaitUpload:
    """Open a chunked upload for ``filename`` (plain file, no archives)."""
    require_gait_consent(user)
    if config is not None:
        from storefront.security.quota import check_quota

        check_quota(session, user.id, 0, config)
    if not isinstance(filename, str):
        raise ValidationFailed("filename must be a string", {"filename": "required"})
    name = check_filename(filename, GAIT_EXTENSIONS)
    if name.lower().endswith((".zip", ".gz")):
        raise UnsupportedFileType("chunked uploads take the plain recording file")
    up = GaitUpload(id=str(uuid.uuid4()), user_id=user.id, filename=name)
    session.add(up)
    session.flush()
    return up


def append_chunk(
    up: GaitUpload, offset: int, data: bytes, upload_dir: str, max_bytes: int
) -> GaitUpload:
    """Append ``data`` at ``offset``; offsets must follow on exactly (resumable, idempotent retry)."""
    if offset != up.received_bytes:
        raise UploadOffsetMismatch(
            f"expected the chunk at offset {up.received_bytes}, got {offset}", up.received_bytes
        )
    if up.received_bytes + len(data) > max_bytes:
        raise PayloadTooLarge(f"the recording exceeds {max_bytes >> 20} MB")
    part = private_dir(Path(upload_dir) / "gait") / f"{up.id}.part"
    fd = os.open(part, os.O_RDWR | os.O_CREAT, FILE_MODE)
    with os.fdopen(fd, "r+b", buffering=0) as fh:  # unbuffered: close() cannot hit ENOSPC
        try:
            # One encrypted record per chunk; a retried chunk replaces what followed offset.
            append_record(data_keyring(), fh, offset, data)
        except EncryptionError as exc:
            raise Conflict(
                f"the stored chunks of this upload cannot be read back ({exc}); start again",
                code="upload_corrupt",
            ) from None
        except OSError as exc:
            if is_disk_full(exc):
                raise InsufficientStorage(
                    "the server has no space left for uploads; resend this chunk later"
                ) from None
            raise
    up.received_bytes = offset + len(data)
    return up


def complete_chunked(
    session: DbSession, user: User, up: GaitUpload, upload_dir: str
) -> GaitSession:
    """Turn a finished chunked upload into a queued session."""
    part = Path(upload_dir) / "gait" / f"{up.id}.part"
    if up.received_bytes == 0 or not part.is_file():
        raise InvalidUpload("no chunks were received", code="empty_file")
    data = read_private(part, data_keyring(), f"upload {up.filename}")
    folder, main = _store_files([UploadedFile(up.filename, data)], upload_dir)
    gs = GaitSession(user_id=user.id, filename=main, stored_name=folder, size_bytes=len(data))
    session.add(gs)
    session.delete(up)
    session.flush()
    part.unlink(missing_ok=True)
    return gs


def process_gait_session(session_id: int, progress: ProgressFn) -> None:
    """Job handler: analyse the recording and store report JSON + HTML."""
    from flask import current_app

    gs = db.session.get(GaitSession, session_id)
    if gs is None:
        return
    gs.status = "running"
    db.session.commit()
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    progress(0.1, "reading and analysing")
    # Failures are recorded once by the job runner (jobs.failure_message), then fail_session.
    # Decrypted only here, into a private in-memory folder that goes when the analysis ends.
    ring = data_keyring()
    raw = [f for f in (upload_dir / gs.stored_name).iterdir() if _is_raw(f)]
    with plaintext_copies(ring, raw, f"recording {gs.filename}") as work:
        report, html = _analyze(work / gs.filename)
    progress(0.9, "saving report")
    gs = db.session.get(GaitSession, session_id)
    if gs is None:
        return
    if html is not None:
        store_file(upload_dir / gs.stored_name / "report.html", html.encode("utf-8"), ring)
        gs.html_name = f"{gs.stored_name}/report.html"
    gs.report = to_jsonable(report)
    gs.status = "done"
    gs.error = None
    keep, folder = gs.keep_raw, upload_dir / gs.stored_name
    db.session.commit()
    _session_analysed(session_id, gs.user_id)
    if not keep:  # retention: the report stays, the raw recording goes
        for f in folder.iterdir():
            if _is_raw(f):
                f.unlink(missing_ok=True)


def _is_raw(f: Path) -> bool:
    """A raw recording file of a session folder (not the report, not a temp file)."""
    return f.is_file() and f.name != "report.html" and not f.name.startswith(".")


def _session_analysed(session_id: int, user_id: int) -> None:
    """Queue the follow-up jobs registered for an analysed session (``care_alerts``)."""
    from flask import current_app

    from storefront.jobs import get_runner, registry_of

    if "care_alerts" in registry_of(current_app).kinds:
        get_runner().submit("care_alerts", session_id, user_id, required=False)


def _analyze(path: Path) -> tuple[dict[str, Any], str | None]:
    """gait on one recording, in a child process with the job's memory and time limits.

    gait's input errors (unreadable file, too short, no steps) become
    :class:`~storefront.domain_errors.RecordingNotUsable`, the shopper's to fix.
    """
    from flask import current_app

    from gait.exceptions import GaitError
    from storefront.security.isolation import limits_from_config, run_limited

    cfg = current_app.config
    try:
        if cfg.get("JOB_ISOLATION", "process") == "none":
            return analyze_file(path)
        return run_limited(
            analyze_file, (path,), limits_from_config(cfg), "analysing this recording"
        )
    except GaitError as exc:
        raise RecordingNotUsable(str(exc)) from exc


def expire_abandoned_uploads(session: DbSession, upload_dir: str, max_age_h: float = 24.0) -> int:
    """Delete chunked uploads not completed within ``max_age_h`` hours, rows and part files."""
    from datetime import timedelta

    from storefront.db.models import utcnow

    cutoff = utcnow() - timedelta(hours=max_age_h)
    old = session.scalars(select(GaitUpload).where(GaitUpload.created_at < cutoff)).all()
    for up in old:
        (Path(upload_dir) / "gait" / f"{up.id}.part").unlink(missing_ok=True)
        session.delete(up)
    session.commit()
    return len(old)


def fail_session(session_id: int, message: str) -> None:
    """Close a gait session as failed (job-failure hook); an unusable recording is not kept."""
    from flask import current_app

    gs = db.session.get(GaitSession, session_id)
    if gs is None:
        return
    gs.status = "failed"
    gs.error = message[:2000]
    db.session.commit()
    shutil.rmtree(Path(current_app.config["UPLOAD_DIR"]) / gs.stored_name, ignore_errors=True)


def get_session_for(session: DbSession, user: User, session_id: Any) -> GaitSession:
    """The user's gait session; 404 for unknown ids and other people's sessions alike."""
    return get_owned(session, GaitSession, session_id, user, "gait session")


def session_to_dict(
    gs: GaitSession, job: Job | None, full: bool = True, language: str = "en"
) -> dict[str, Any]:
    """Public view of a gait session (the report only when ``full``).

    ``job`` is the job status (:func:`storefront.jobs.status.job_status`): its ``error`` in
    ``language`` (the view passes the request's), the English reason in ``detail``. The
    session's own ``error`` is in ``language`` too, the English as recorded in ``error_detail``.
    """
    from storefront.jobs.status import error_fields, job_status

    return {
        "id": gs.id,
        "status": gs.status,
        "filename": gs.filename,
        "created_at": as_utc(gs.created_at).isoformat(),
        "report": gs.report if full else None,
        "summary": (gs.report or {}).get("summary"),
        **error_fields(gs.error, language),
        "job": job_status(job, language) if job else None,
        "links": {
            "self": f"/api/gait/sessions/{gs.id}",
            "report_html": f"/api/gait/sessions/{gs.id}/report.html" if gs.html_name else None,
        },
    }


_TREND_KEYS = (
    "cadence_spm",
    "stride_cv_pct",
    "stance_pct",
    "double_support_pct",
    "symmetry_index_pct",
    "walking_speed_m_s",
)


def trends_for(session: DbSession, user: User) -> dict[str, Any]:
    """Summary numbers of every analysed session over time (oldest first)."""
    rows = session.scalars(
        select(GaitSession)
        .where(GaitSession.user_id == user.id, GaitSession.status == "done")
        .order_by(GaitSession.created_at)
    )
    points = []
    for gs in rows:
        summary = (gs.report or {}).get("summary") or {}
        points.append(
            {
                "session_id": gs.id,
                "created_at": as_utc(gs.created_at).isoformat(),
                **{k: summary.get(k) for k in _TREND_KEYS if k in summary},
            }
        )
    return {"metrics": [k for k in _TREND_KEYS], "points": points}
