"""Upload a session file to the storefront with its resumable chunked-upload API.

Protocol (``storefront/gaitsessions/views.py``), every request with
``Authorization: Bearer <token>``:

1. ``POST {base}/api/gait/uploads`` JSON ``{"filename": ...}`` -> ``{"upload_id", "chunk_url"}``
2. ``PUT {base}{chunk_url}?offset=<bytes already sent>`` with the next chunk -> ``{"offset"}``
3. on a failed chunk, ``GET {base}{chunk_url}`` -> ``{"offset"}`` and resume from there
4. ``POST {base}{chunk_url}/complete`` -> the created gait session (analysis is queued)

Only the standard library is used. The token is never logged or written anywhere.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from gait.exceptions import GaitError

__all__ = ["UploadError", "upload_session"]


class UploadError(GaitError):
    """The storefront refused the upload or could not be reached."""


def _request(
    method: str, url: str, token: str, body: bytes | None = None, ctype: str | None = None,
    timeout_s: float = 30.0,
) -> dict[str, Any]:  # fmt: skip
    req = urllib.request.Request(url, data=body, method=method)
    req.add_header("Authorization", f"Bearer {token}")
    req.add_header("Accept", "application/json")
    if ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as resp:
            raw = resp.read()
    except urllib.error.HTTPError as err:
        detail = ""
        try:
            payload = json.loads(err.read() or b"{}")
            err_obj = payload.get("error")
            # the storefront answers {"error": {"code", "message", ...}}
            if isinstance(err_obj, dict):
                detail = err_obj.get("message") or err_obj.get("code") or ""
            else:
                detail = payload.get("message") or err_obj or ""
        except (ValueError, AttributeError):
            pass
        raise UploadError(f"{method} {url}: HTTP {err.code} {detail}".strip()) from None
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise UploadError(f"{method} {url}: {reason}") from None
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        raise UploadError(f"{method} {url}: the server did not answer JSON") from None


def upload_session(
    path: str | Path,
    base_url: str,
    token: str,
    chunk_bytes: int = 256 * 1024,
    retries: int = 3,
    timeout_s: float = 30.0,
) -> dict[str, Any]:
    """Upload ``path`` in chunks, resuming after transient failures.

    Parameters
    ----------
    path : str or Path
        The (finalised) session file.
    base_url : str
        Storefront root, ``http(s)://host[:port]``.
    token : str
        API token of the wearer (``Authorization: Bearer``).
    chunk_bytes : int
        Chunk size.
    retries : int
        Attempts per chunk before giving up.
    timeout_s : float
        Per-request timeout.

    Returns
    -------
    dict
        The storefront's description of the created gait session.

    Raises
    ------
    UploadError
        Bad URL, missing token, refused request, or a chunk that kept failing.
    """
    p = Path(path)
    parsed = urllib.parse.urlparse(base_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UploadError(f"upload URL must be http(s)://host[:port], got {base_url!r}")
    if not token:
        raise UploadError("an upload needs --token")
    if not p.is_file():
        raise UploadError(f"no session file to upload at {p}")
    if parsed.scheme == "http" and parsed.hostname not in ("localhost", "127.0.0.1", "::1"):
        # Gait data are health data: refuse to send them in clear text over a network.
        raise UploadError("refusing to upload health data over plain http to a remote host")
    base = base_url.rstrip("/")
    data = p.read_bytes()
    start = _request(
        "POST", f"{base}/api/gait/uploads", token,
        json.dumps({"filename": p.name}).encode(), "application/json", timeout_s,
    )  # fmt: skip
    chunk_url = start.get("chunk_url")
    if not isinstance(chunk_url, str) or not chunk_url.startswith("/"):
        raise UploadError("the storefront did not return a chunk URL")
    url = base + chunk_url
    offset = 0
    failures = 0
    while offset < len(data):
        chunk = data[offset : offset + chunk_bytes]
        try:
            ans = _request(
                "PUT", f"{url}?offset={offset}", token, chunk, "application/octet-stream",
                timeout_s,
            )  # fmt: skip
            offset = int(ans.get("offset", offset + len(chunk)))
            failures = 0
        except UploadError:
            failures += 1
            if failures >= retries:
                raise
            time.sleep(0.2 * 2**failures)
            offset = int(_request("GET", url, token, timeout_s=timeout_s).get("offset", offset))
    return _request("POST", f"{url}/complete", token, b"", "application/json", timeout_s)
