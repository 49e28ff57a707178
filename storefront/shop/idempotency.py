"""Idempotent commerce requests (no Flask): one result per Idempotency-Key or per duplicate body.

Every state-changing commerce request (checkout, direct order, made to measure, return) writes an
:class:`~storefront.db.models.IdempotencyRecord` **in the same transaction** as its order or return.
The record is unique per (account, key), so of two concurrent requests with the same key exactly
one commits; the other is rolled back whole (stock, refund, order) and answers with the winner's
result.

* With a client ``Idempotency-Key`` the key is kept for good: a repeat with the same request
  gets the first result (replayed); a repeat with a different request is refused
  (:class:`~storefront.domain_errors.IdempotencyKeyReused`, 422).
* Without a key a short duplicate-submission guard applies: the key is derived from the
  endpoint and the body (``auto:<scope>:<sha256>``); the same account sending the same body
  within :data:`DUPLICATE_WINDOW_S` seconds gets the first result. After the window the old
  record is superseded and the request runs again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from storefront.db.models import IdempotencyRecord, as_utc, utcnow
from storefront.domain_errors import IdempotencyKeyReused
from storefront.extensions import DbSession

__all__ = [
    "DUPLICATE_WINDOW_S",
    "Claim",
    "claim_for",
    "find_replay",
    "record",
    "request_hash",
]

#: Seconds during which an identical keyless request from the same account is a duplicate.
DUPLICATE_WINDOW_S = 10.0


def request_hash(scope: str, body: Any) -> str:
    """SHA-256 of the endpoint scope and the canonical JSON of the request body."""
    canon = json.dumps(
        {"scope": scope, "body": body}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(canon.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Claim:
    """What one request claims: its scope, key and request fingerprint.

    Attributes
    ----------
    scope : str
        ``checkout``, ``order``, ``made_to_measure`` or ``return:<order id>``.
    key : str
        The client's key, or ``auto:<scope>:<hash>`` without one.
    request_hash : str
        Fingerprint of what is asked (a different body under the same key is refused).
    explicit : bool
        True when the client sent the key.
    """

    scope: str
    key: str
    request_hash: str
    explicit: bool


def claim_for(scope: str, body: Any, client_key: str | None, key_body: Any = None) -> Claim:
    """The claim of a request: the client's key, or the duplicate guard's derived key.

    ``key_body`` (default: ``body``) is what the derived key is computed from; checkout derives
    it from the request body alone and fingerprints the body together with the cart.
    """
    digest = request_hash(scope, body)
    if client_key:
        return Claim(scope, client_key, digest, True)
    derived = digest if key_body is None else request_hash(scope, key_body)
    return Claim(scope, f"auto:{scope}:{derived}"[:100], digest, False)


def find_replay(
    session: DbSession, user_id: int, claim: Claim, *, match_any_body: bool = False
) -> IdempotencyRecord | None:
    """The earlier result this request must replay, or None to run it.

    Raises
    ------
    IdempotencyKeyReused
        The client's key was used before for a different request.

    Notes
    -----
    A derived (keyless) record older than the window is deleted here, so the same purchase can be
    made again later. ``match_any_body`` replays a record of the same scope whatever its
    fingerprint (a retried checkout whose cart the first request already emptied).
    """
    rec = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == claim.key
        )
    )
    if rec is None:
        return None
    same = rec.scope == claim.scope and rec.request_hash in (claim.request_hash, None)
    if claim.explicit:
        if not same and not (match_any_body and rec.scope == claim.scope):
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used for a different request; "
                "send a new key for a new request"
            )
        return rec
    fresh = as_utc(rec.created_at) >= utcnow() - timedelta(seconds=DUPLICATE_WINDOW_S)
    if fresh and (same or match_any_body):
        return rec
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == rec.id))
    session.commit()
    return None


def record(
    session: DbSession, user_id: int, claim: Claim, resource_kind: str, resource_id: int
) -> IdempotencyRecord:
    """Add the record of a result to the caller's transaction (the caller commits)."""
    rec = IdempotencyRecord(
        user_id=user_id,
        scope=claim.scope,
        key=claim.key,
        request_hash=claim.request_hash,
        resource_kind=resource_kind,
        resource_id=resource_id,
    )
    session.add(rec)
    return rec
