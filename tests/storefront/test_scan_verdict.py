"""Issue 8 item 6: the shop honours footscan's verdict.

A capture footscan did not accept (``quality.accepted`` false) or refused outright ("not a
foot") builds no foot profile, gets no fit, recommendation or made-to-measure order, shows no
sizes, and the API says why and what to do.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from storefront.domain_errors import ScanNotAccepted
from storefront.fit.profiles import FootProfile
from storefront.scans.verdict import scan_verdict
from tests.storefront.conftest import average_foot, wait_for


def _upload(client, headers, name: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/scans",
        data={"file": (io.BytesIO(data), name), "units": "mm"},
        headers=headers,
        content_type="multipart/form-data",
    )


def _blob_xyz() -> bytes:
    """An egg-shaped blob on a floor: footscan refuses it as not a foot."""
    rng = np.random.default_rng(0)
    p = rng.normal(size=(20_000, 3))
    p = p / np.linalg.norm(p, axis=1)[:, None] * np.array([60.0, 50.0, 40.0])
    p[:, 2] += 40.0
    floor = np.c_[rng.uniform(-150, 150, (8000, 2)), np.zeros(8000)]
    pts = np.r_[p, floor]
    return "\n".join(f"{a:.3f} {b:.3f} {c:.3f}" for a, b, c in pts).encode()


def _not_accepted(result: dict[str, Any]) -> dict[str, Any]:
    out = dict(result)
    out["quality"] = {"accepted": False, "rejection_reasons": ["ball width unavailable"]}
    out["sizes"] = {"eu": 41.0}
    return out


def _shoe_id(client) -> str:  # type: ignore[no-untyped-def]
    return client.get("/api/shoes").json["shoes"][0]["id"]


def _assert_refused(r, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 422, r.json
    err = r.json["error"]
    assert err["code"] == "scan_not_accepted"
    assert any(reason in x for x in err["reasons"]), err
    assert err["advice"]


def _assert_no_shop_use(client, h, scan_id: int, reason: str) -> None:  # type: ignore[no-untyped-def]
    shoe = _shoe_id(client)
    _assert_refused(client.get(f"/api/fit?scan={scan_id}&shoe={shoe}", headers=h), reason)
    _assert_refused(client.get(f"/api/recommendations?scan={scan_id}", headers=h), reason)
    model = client.get(f"/api/shoes/{shoe}").json
    r = client.post(
        "/api/orders/made-to-measure/quote",
        json={"scan_id": scan_id, "shoe_id": shoe, "colourway_id": model["colourways"][0]["id"]},
        headers=h,
    )
    _assert_refused(r, reason)
    assert client.get("/api/orders", headers=h).json["orders"] == []


def test_a_scan_footscan_did_not_accept_builds_no_profile(app, client, auth, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from storefront.scans import services

    def measure(path: Path, filename: str, units: str) -> tuple[dict[str, Any], bytes]:
        return _not_accepted(average_foot(262.0)), b"glTF-not-kept"

    monkeypatch.setattr(services, "measure_file", measure)
    app.config["JOB_ISOLATION"] = "none"  # the patched function runs in the worker
    h = auth.shopper()
    r = _upload(client, h, "foot.xyz", _blob_xyz())
    assert r.status_code == 202, r.json
    scan = wait_for(client, f"/api/scans/{r.json['id']}", h)
    assert scan["status"] == "failed"
    assert scan["measurements"] is None  # no sizes are shown for a capture that is not accepted
    assert scan["verdict"]["accepted"] is False
    assert scan["verdict"]["reasons"] == ["ball width unavailable"]
    assert "around the foot" in scan["verdict"]["advice"]
    assert "ball width unavailable" in scan["error"] and scan["verdict"]["advice"] in scan["error"]
    assert scan["job"]["status"] == "failed" and scan["job"]["error"] == scan["error"]
    assert client.get(scan["links"]["foot_glb"], headers=h).status_code == 409
    assert not [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()]
    _assert_no_shop_use(client, h, scan["id"], "ball width unavailable")


def test_a_capture_refused_as_not_a_foot_gets_reasons_and_advice(app, client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    r = _upload(client, h, "potato.xyz", _blob_xyz())
    assert r.status_code == 202, r.json
    scan = wait_for(client, f"/api/scans/{r.json['id']}", h, timeout_s=120)
    assert scan["status"] == "failed"
    assert scan["measurements"] is None
    assert scan["verdict"]["accepted"] is False
    assert "not a foot" in scan["verdict"]["reasons"][0]
    assert "bare foot" in scan["verdict"]["advice"]
    _assert_no_shop_use(client, h, scan["id"], "not a foot")


def test_a_stored_done_scan_marked_not_accepted_is_refused_at_the_boundary(  # type: ignore[no-untyped-def]
    client, auth, measured_scan
) -> None:
    h = auth.shopper()
    scan_id = measured_scan(h, _not_accepted(average_foot()))
    scan = client.get(f"/api/scans/{scan_id}", headers=h).json
    assert scan["measurements"] is None and scan["verdict"]["accepted"] is False
    _assert_no_shop_use(client, h, scan_id, "ball width unavailable")


def test_an_accepted_scan_still_fits(client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    scan_id = measured_scan(h, {**average_foot(), "quality": {"accepted": True}})
    scan = client.get(f"/api/scans/{scan_id}", headers=h).json
    assert scan["verdict"] == {"accepted": True, "reasons": [], "advice": ""}
    r = client.get(f"/api/fit?scan={scan_id}&shoe={_shoe_id(client)}", headers=h)
    assert r.status_code == 200, r.json


def test_profile_boundary_refuses_not_accepted_json() -> None:
    with pytest.raises(ScanNotAccepted) as info:
        FootProfile.from_footscan_json(_not_accepted(average_foot()))
    assert info.value.reasons == ("ball width unavailable",)
    assert scan_verdict({"quality": {"accepted": False}}).reasons
    assert scan_verdict(average_foot()).accepted
