"""Rate limits that hold across workers and addresses (issue 13, "What to build" 5).

Counts live in a shared store (the database, or Redis when configured), per client address and
per account: two app instances on one database (two gunicorn workers) count together, and one
account hopping between addresses is still one account.
"""

from __future__ import annotations

import os

import pytest
from flask import Flask

from tests.storefront.conftest import service_missing

_OTHER_WORKER = """
import sys
from pathlib import Path
from storefront import create_app
from tests.storefront.conftest import base_config

tmp, uri, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
cfg = base_config(Path(tmp), uri)
cfg.update(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="4/60", LOGIN_LOCKOUT_AFTER=0)
client = create_app(cfg).test_client()
codes = [client.post("/api/auth/login", json={"email": "nobody@example.org",
         "password": "wrong password"}, environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code
         for _ in range(n)]
print(" ".join(map(str, codes)))
"""


def _other_worker(app: Flask, tmp_path, n: int) -> list[int]:  # type: ignore[no-untyped-def]
    """``n`` logins from another process on the same database: a second gunicorn worker."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", _OTHER_WORKER, str(tmp_path / "w2"), app.config["SQLALCHEMY_DATABASE_URI"], str(n)],
        env={**os.environ, "PYTHONPATH": str(root)}, cwd=root, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-2000:]
    return [int(x) for x in out.stdout.split()]


def _login(client, addr: str = "192.0.2.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/auth/login",
        json={"email": "nobody@example.org", "password": "wrong password"},
        environ_base={"REMOTE_ADDR": addr},
    ).status_code


def test_two_workers_share_one_count(app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="4/60", LOGIN_LOCKOUT_AFTER=0)
    a = app.test_client()
    codes = [_login(a), _login(a)]
    codes += _other_worker(app, tmp_path, 2)  # another process: its own memory, same store
    codes += [_login(a)]
    codes += _other_worker(app, tmp_path, 1)
    assert codes == [401, 401, 401, 401, 429, 429], codes  # 4 in all, not 4 per worker


def test_one_account_hopping_addresses_is_still_limited(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_WRITE="3/60")
    codes = [
        client.post(
            "/api/orders",
            json={"lines": []},
            headers=h,
            environ_base={"REMOTE_ADDR": f"198.51.100.{i}"},
        ).status_code
        for i in range(5)
    ]
    assert codes == [422, 422, 422, 429, 429], codes
    other = auth.shopper()  # someone else on one of those addresses is not blocked
    r = client.post("/api/orders", json={"lines": []}, headers=other,
                    environ_base={"REMOTE_ADDR": "203.0.113.99"})  # fmt: skip
    assert r.status_code == 422


def test_manufacturer_queries_are_limited(app, runner) -> None:  # type: ignore[no-untyped-def]
    token = runner.invoke(args=["create-manufacturer", "Busy"]).output.split()[-1]
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_MANUFACTURER="2/60")
    client = app.test_client()
    h = {"Authorization": f"Bearer {token}"}
    codes = [
        client.get(
            "/api/manufacturer/foot-stats?dims=length_bin&epsilon=0.01", headers=h
        ).status_code
        for _ in range(3)
    ]
    assert codes[2] == 429 and 429 not in codes[:2], codes


@pytest.mark.redis
def test_redis_store_and_its_database_fallback(app) -> None:  # type: ignore[no-untyped-def]
    url = os.environ.get("SHOESTREET_TEST_REDIS_URL")
    if not url:
        service_missing("SHOESTREET_TEST_REDIS_URL")
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="2/60", LOGIN_LOCKOUT_AFTER=0,
                      RATELIMIT_STORAGE_URL=url)  # fmt: skip
    with app.app_context():
        app.extensions["shoestreet_limiter"].reset()
    client = app.test_client()
    assert [_login(client, "192.0.2.50") for _ in range(3)] == [401, 401, 429]
    app.config["RATELIMIT_STORAGE_URL"] = "redis://127.0.0.1:1/0"  # Redis gone: the database counts
    assert [_login(client, "192.0.2.51") for _ in range(3)] == [401, 401, 429]
