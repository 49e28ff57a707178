"""A small in-process sliding-window rate limiter (per client address and endpoint group).

Counts live in this process only: with several gunicorn workers the effective limit is
``workers x limit``. That is acceptable for login and upload throttling, whose job is to make
guessing and flooding slow, not to meter exactly.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, request

__all__ = ["RateLimiter"]


class RateLimiter:
    """Sliding-window limiter bound to an app with :meth:`init_app`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def init_app(self, app: Flask) -> None:
        """Register on ``app.extensions`` (limits are read from config per call)."""
        app.extensions["shoestreet_limiter"] = self

    def reset(self) -> None:
        """Forget every count (tests, or an admin after an incident)."""
        with self._lock:
            self._hits.clear()

    def hit(self, group: str, key: str, rate: str, now_s: float | None = None) -> float | None:
        """Record a hit; return ``None`` if allowed, else seconds until the next slot frees."""
        count_s, _, window_s = rate.partition("/")
        limit, window = int(count_s), float(window_s)
        now = time.monotonic() if now_s is None else now_s
        with self._lock:
            q = self._hits.setdefault((group, key), deque())
            while q and q[0] <= now - window:
                q.popleft()
            if len(q) >= limit:
                return max(0.0, q[0] + window - now)
            q.append(now)
            # Drop empty windows now and then so the map does not grow without bound.
            if len(self._hits) > 50_000:
                self._hits = {k: v for k, v in self._hits.items() if v}
            return None

    def limit(
        self, group: str, config_key: str
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorate a view: at most ``config[config_key]`` requests per client address."""

        def deco(view: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(view)
            def wrapped(*args: Any, **kwargs: Any) -> Any:
                if current_app.config.get("RATELIMIT_ENABLED", True):
                    retry = self.hit(
                        group, request.remote_addr or "?", current_app.config[config_key]
                    )
                    if retry is not None:
                        from storefront.exceptions import ApiError

                        raise ApiError(
                            429,
                            "rate_limited",
                            f"too many {group} requests; retry in {int(retry) + 1} s",
                            headers={"Retry-After": str(int(retry) + 1)},
                        )
                return view(*args, **kwargs)

            return wrapped

        return deco
