"""Rate limits shared by every worker: per client address and per account, in one store.

The store is Redis when ``RATELIMIT_STORAGE_URL`` is set (``INCR`` + ``EXPIRE``), else the
database (the ``rate_counter`` table, migration 0008), so gunicorn workers and several nodes
count together; if Redis fails the database takes over. Counting is a sliding-window
approximation over two fixed windows (the previous window's count weighted by the part of it
still inside the sliding window, plus the current one), so a burst at a window boundary is not
let through twice. Refused requests count too: a client that keeps hammering stays refused.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import wraps
from typing import Any

from flask import Flask, current_app, has_app_context, request

from storefront.extensions import rows_affected

__all__ = ["RateLimiter", "limiter", "purge_expired_counters"]

log = logging.getLogger(__name__)

#: Who a limit is counted for.
PER_ADDRESS = "address"
PER_ACCOUNT = "account"


class RateLimiter:
    """Shared-store limiter; bound to apps with :meth:`init_app`, limits read from config."""

    def init_app(self, app: Flask, account_id: Callable[[], int | None] | None = None) -> None:
        """Register on ``app.extensions`` (limits are read from config per call).

        Parameters
        ----------
        app : Flask
            The app.
        account_id : callable, optional
            Returns the signed-in account's id (or None) for per-account limits; given by the
            app factory so this module needs nothing of the accounts package.
        """
        app.extensions["shoestreet_limiter"] = self
        app.extensions["shoestreet_limiter_account"] = account_id

    def reset(self) -> None:
        """Forget every count of the current app's store (tests, or after an incident)."""
        if not has_app_context():
            return
        from sqlalchemy import delete

        from storefront.db.models import RateCounter
        from storefront.extensions import db

        with db.engine.begin() as conn:
            conn.execute(delete(RateCounter))
        redis = self._redis()
        if redis is not None:
            try:
                for k in redis.scan_iter(match="shoestreet:rl:*"):
                    redis.delete(k)
            except Exception:  # pragma: no cover
                pass

    def hit(self, group: str, key: str, rate: str, now_s: float | None = None) -> float | None:
        """Count a hit for ``key``; ``None`` if allowed, else seconds until retrying helps."""
        count_s, _, window_s = rate.partition("/")
        limit, window = int(count_s), float(window_s)
        now = time.time() if now_s is None else now_s
        idx = int(now // window)
        elapsed = now - idx * window
        prev, curr = self._count(f"{group}:{key}", idx, window)
        estimate = prev * (1.0 - elapsed / window) + curr
        if estimate <= limit:
            return None
        return max(1.0, window - elapsed)

    # -- stores ----------------------------------------------------------------------------

    def _redis(self):
        url = current_app.config.get("RATELIMIT_STORAGE_URL")
        if not url:
            return None
        cache = current_app.extensions.setdefault("shoestreet_ratelimit_redis", {})
        if url not in cache:
            from redis import Redis

            cache[url] = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        return cache[url]

    def _count(self, name: str, idx: int, window: float) -> tuple[int, int]:
        redis = self._redis()
        if redis is not None:
            try:
                pipe = redis.pipeline()
                cur_key = f"shoestreet:rl:{name}:{idx}"
                pipe.incr(cur_key)
                pipe.expire(cur_key, int(math.ceil(window * 2)) + 1)
                pipe.get(f"shoestreet:rl:{name}:{idx - 1}")
                curr, _, prev = pipe.execute()
                return int(prev or 0), int(curr)
            except Exception as exc:
                log.warning("rate-limit store Redis unavailable, using the database: %s", exc)
        return self._db_count(name, idx, window)

    def _db_count(self, name: str, idx: int, window: float) -> tuple[int, int]:
        from sqlalchemy import insert, select, update
        from sqlalchemy.exc import IntegrityError

        from storefront.db.models import RateCounter, utcnow
        from storefront.extensions import db

        name = name[:200]
        # Its own short transaction: the request's session is not touched.
        with db.engine.begin() as conn:
            res = conn.execute(
                update(RateCounter)
                .where(RateCounter.key == name, RateCounter.window == idx)
                .values(count=RateCounter.count + 1)
            )
            if rows_affected(res) == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(RateCounter).values(
                                key=name,
                                window=idx,
                                count=1,
                                expires_at=utcnow() + timedelta(seconds=2 * window),
                            )
                        )
                except IntegrityError:  # a sibling inserted it first
                    conn.execute(
                        update(RateCounter)
                        .where(RateCounter.key == name, RateCounter.window == idx)
                        .values(count=RateCounter.count + 1)
                    )
            rows = dict(
                conn.execute(
                    select(RateCounter.window, RateCounter.count).where(
                        RateCounter.key == name, RateCounter.window.in_((idx - 1, idx))
                    )
                ).all()
            )
        return int(rows.get(idx - 1, 0)), int(rows.get(idx, 0))

    # -- the decorator ---------------------------------------------------------------------

    def limit(
        self, group: str, config_key: str, per: Iterable[str] = (PER_ADDRESS,)
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorate a view: at most ``config[config_key]`` requests per address and/or account."""
        per = tuple(per)

        def deco(view: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(view)
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                if current_app.config.get("RATELIMIT_ENABLED", True):
                    self._check(group, current_app.config[config_key], per)
                return view(*args, **kwargs)

            return wrapped

        return deco

    def _check(self, group: str, rate: str, per: tuple[str, ...]) -> None:
        keys = []
        if PER_ADDRESS in per:
            keys.append(f"addr:{request.remote_addr or '?'}")
        account_id = current_app.extensions.get("shoestreet_limiter_account")
        if PER_ACCOUNT in per and account_id is not None:
            uid = account_id()
            if uid is not None:
                keys.append(f"user:{uid}")
        for key in keys:
            retry = self.hit(group, key, rate)
            if retry is not None:
                from storefront.errors import ApiError

                wait = int(math.ceil(retry))
                raise ApiError(
                    429,
                    "rate_limited",
                    f"too many {group} requests; retry in {wait} s",
                    headers={"Retry-After": str(wait)},
                )


#: The app-wide limiter; :func:`storefront.create_app` binds it with ``init_app``.
limiter = RateLimiter()


def purge_expired_counters(app: Flask) -> int:
    """Delete the database's expired rate counters (sweeper housekeeping); return how many."""
    from sqlalchemy import delete

    from storefront.db.models import RateCounter, utcnow
    from storefront.extensions import db

    n = rows_affected(
        db.session.execute(delete(RateCounter).where(RateCounter.expires_at < utcnow()))
    )
    db.session.commit()
    return int(n or 0)
