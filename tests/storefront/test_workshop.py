"""Made to measure in the shop: preview job, order files job, maker access (issue 11).

One real journey is built once for the module (a synthetic phone capture measured by the scan
job, a quote whose preview job builds the personal last, a confirmation whose file job builds
last + insole + spec sheets) and the tests read it. Truth is computed here, independently of
the code under test: meshes are re-read with trimesh, the 3MF is unzipped and parsed as XML,
the sheet's numbers are compared with the scan's stored measurements.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import time
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest
import trimesh

from storefront import create_app
from tests.storefront.conftest import base_config, wait_for

SHOE = "velox-stride-lite"  # a running shoe of the seeded catalogue


def _inside(vertices: np.ndarray, faces: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Ray parity along +Z (written here, independent of footscan's inside test)."""
    tri = vertices[faces]
    a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
    out = np.zeros(len(pts), dtype=bool)
    for i, (x, y, z) in enumerate(pts):
        v0, v1 = b[:, :2] - a[:, :2], c[:, :2] - a[:, :2]
        v2 = np.array([x, y]) - a[:, :2]
        den = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
        ok = np.abs(den) > 1e-12
        u = np.where(ok, (v2[:, 0] * v1[:, 1] - v1[:, 0] * v2[:, 1]) / np.where(ok, den, 1), -1)
        v = np.where(ok, (v0[:, 0] * v2[:, 1] - v2[:, 0] * v0[:, 1]) / np.where(ok, den, 1), -1)
        hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1)
        zh = a[hit, 2] + u[hit] * (b[hit, 2] - a[hit, 2]) + v[hit] * (c[hit, 2] - a[hit, 2])
        out[i] = int((zh > z).sum()) % 2 == 1
    return out


def _job(client: Any, url: str, h: dict[str, str], timeout_s: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job = client.get(url, headers=h).json
        if job["status"] in ("done", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def _register(client: Any, email: str) -> dict[str, str]:
    r = client.post("/api/auth/register", json={"email": email, "password": "correct horse"})
    assert r.status_code == 201, r.json
    r = client.post("/api/auth/login", json={"email": email, "password": "correct horse"})
    return {"Authorization": f"Bearer {r.json['token']}"}


def _login(client: Any, email: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"email": email, "password": "correct horse"})
    assert r.status_code == 200, r.json
    return {"Authorization": f"Bearer {r.json['token']}"}


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Any:
    """Shopper scan -> quote (+ preview job) -> confirm (+ file job) with a maker for the shop."""
    tmp = tmp_path_factory.mktemp("workshop")
    shutil.copy(template_db, tmp / "test.db")
    app = create_app(base_config(tmp, f"sqlite:///{tmp / 'test.db'}"))
    client = app.test_client()
    with app.app_context():
        from storefront.catalog.services import load_catalog_cached

        shop_id = load_catalog_cached(None).model(SHOE).shop_id
    runner = app.test_cli_runner()
    for name, email, shop in (("Busan Lasts", "maker@example.org", shop_id),
                              ("Other Maker", "other@example.org", "nowhere")):  # fmt: skip
        args = ["create-maker", name, email, "--shop", shop, "--password", "correct horse"]
        if shop == "nowhere":
            args = ["create-maker", name, email, "--password", "correct horse"]
        res = runner.invoke(args=args)
        assert res.exit_code == 0, res.output
    h = _register(client, "shopper@example.org")
    r = client.post("/api/scans/demo", json={"foot_length_mm": 262, "side": "left"}, headers=h)
    assert r.status_code == 202, r.json
    scan = wait_for(client, f"/api/scans/{r.json['id']}", h, timeout_s=120)
    assert scan["status"] == "done", scan
    t0 = time.monotonic()
    q = client.post(
        "/api/orders/made-to-measure/quote",
        json={"scan_id": scan["id"], "shoe_id": SHOE, "colourway_id": f"{SHOE}-volt"},
        headers=h,
    )
    assert q.status_code == 201, q.json
    preview_job = _job(client, q.json["preview"]["job"], h)
    preview_s = time.monotonic() - t0
    order = client.post(
        "/api/orders/made-to-measure",
        json={"quote_id": q.json["id"], "confirm": True, "payment": {"provider": "test"}},
        headers=h,
    )
    assert order.status_code == 201, order.json
    files_job = _job(client, order.json["made_to_measure"]["files"]["job"], h)
    yield {
        "app": app,
        "client": client,
        "h": h,
        "scan": scan,
        "quote": q.json,
        "preview_job": preview_job,
        "preview_s": preview_s,
        "order": order.json,
        "files_job": files_job,
        "tmp": tmp,
    }
    app.extensions["shoestreet_jobs"].wait_idle()
    with app.app_context():
        from storefront.extensions import db

        db.engine.dispose()


def test_quote_preview_job_builds_last_with_clearance_and_stock_changes(journey) -> None:  # type: ignore[no-untyped-def]
    c, h, q = journey["client"], journey["h"], journey["quote"]
    assert journey["preview_job"]["status"] == "done", journey["preview_job"]
    assert journey["preview_job"]["kind"] == "mtm_preview"
    r = c.get(q["preview"]["url"], headers=h)
    assert r.status_code == 200
    p = r.json
    mesh = trimesh.Trimesh(np.array(p["last"]["vertices"]), np.array(p["last"]["faces"]))
    assert mesh.is_watertight
    pts = np.array(p["foot"]["points"])
    assert pts.shape[1] == 3 and len(p["foot"]["clearance_mm"]) == pts.shape[0]
    # the clearance map's sign is the truth of inside/outside (ray parity, here): a point with
    # more than 0.5 mm of room is inside the last, one pressed more than 0.5 mm is outside
    clear = np.array(p["foot"]["clearance_mm"])
    pick = np.arange(0, len(pts), max(1, len(pts) // 400))
    pick = pick[np.abs(clear[pick]) > 0.5]
    inside = _inside(mesh.vertices, mesh.faces, pts[pick])
    assert (inside == (clear[pick] > 0)).mean() > 0.97
    assert (clear > 0).mean() > 0.6  # the foot is mostly inside
    regions = {c["region"]: c for c in p["clearance"]}
    assert set(regions) == {"heel_seat", "waist", "instep", "ball", "toe_box"}
    # per-region medians agree with the per-point clearances the preview carries (mm)
    assert all(-10 < c["median_mm"] < 15 for c in regions.values())
    # stock changes: the personal last's measures minus the nearest stock size's (catalogue)
    model = c.get(f"/api/shoes/{SHOE}", headers=h).json
    base = q["nearest_stock_size"]
    stock = next(
        s
        for s in model["sizes"]
        if float(s["eu"]) == float(base["eu"]) and s["width"] == base["width"]
    )
    changes = {ch["measure"]: ch for ch in p["stock_changes"]}
    assert changes["bottom_length"]["stock_mm"] == pytest.approx(stock["last_length_mm"], abs=0.05)
    assert changes["ball_girth"]["stock_mm"] == pytest.approx(stock["ball_girth_mm"], abs=0.05)
    for ch in changes.values():
        assert ch["change_mm"] == pytest.approx(ch["personal_mm"] - ch["stock_mm"], abs=0.11)
    # length and width are read on the last; girths in the catalogue's convention (foot + ease)
    from footscan.lasts import load_style

    assert changes["bottom_length"]["personal_mm"] == pytest.approx(
        p["measures"]["bottom_length"]["last_mm"], abs=0.051
    )
    ease = load_style(model["category"]).ease_mm["ball_girth"]
    foot = journey["scan"]["measurements"]
    assert changes["ball_girth"]["personal_mm"] == pytest.approx(
        foot["ball_girth_mm"] + ease, abs=0.051
    )
    # the personal last's bottom length = foot length + toe allowance - heel allowance (±1 mm)
    m = p["measures"]["bottom_length"]
    assert m["last_mm"] == pytest.approx(m["foot_mm"] + m["allowance_mm"], abs=1.0)
    assert m["foot_mm"] == pytest.approx(journey["scan"]["measurements"]["foot_length_mm"], abs=1.0)


def test_confirm_builds_watertight_files_encrypted_at_rest(journey) -> None:  # type: ignore[no-untyped-def]
    c, h, order = journey["client"], journey["h"], journey["order"]
    job = journey["files_job"]
    assert job["status"] == "done" and job["kind"] == "mtm_files", job
    o = c.get(f"/api/orders/{order['id']}", headers=h).json
    files = o["made_to_measure"]["files"]
    assert files["status"] == "done"
    # the shopper's view lists the sheet and the preview only
    assert {f["name"] for f in files["files"]} == {"spec.ko.html", "spec.en.html", "preview.json"}
    maker = _login(c, "maker@example.org")
    got = {}
    for name in ("last.stl", "insole.stl", "last.3mf", "insole.3mf"):
        r = c.get(f"/api/workshop/orders/{order['id']}/files/{name}", headers=maker)
        assert r.status_code == 200, (name, r.status_code)
        got[name] = r.data
    for name in ("last.stl", "insole.stl"):
        mesh = trimesh.load(io.BytesIO(got[name]), file_type="stl")
        assert mesh.is_watertight and mesh.is_winding_consistent and mesh.volume > 0, name
    last = trimesh.load(io.BytesIO(got["last.stl"]), file_type="stl")
    length = float(np.ptp(last.vertices[:, 0]))
    assert 262 < length < 300  # a 262 mm foot's last, in millimetres
    for name, stl in (("last.3mf", "last.stl"), ("insole.3mf", "insole.stl")):
        with zipfile.ZipFile(io.BytesIO(got[name])) as z:
            root = ElementTree.fromstring(z.read("3D/3dmodel.model"))
        assert root.get("unit") == "millimeter"
        ns = {"m": "http://schemas.microsoft.com/3dmanufacturing/core/2015/02"}
        tris = root.findall(".//m:triangle", ns)
        assert len(tris) == len(trimesh.load(io.BytesIO(got[stl]), file_type="stl").faces)
    # encrypted at rest: no stored byte run equals the plaintext STL's
    stored = list((journey["tmp"] / "uploads" / "mtm" / "orders").rglob("last.stl"))
    assert len(stored) == 1
    blob = stored[0].read_bytes()
    assert blob[:4] == b"SSE1" and got["last.stl"][84:148] not in blob
    assert not list((journey["tmp"] / "uploads" / "mtm" / "orders").glob(".*"))


def test_spec_sheet_carries_the_foots_real_numbers_in_both_languages(journey) -> None:  # type: ignore[no-untyped-def]
    c, h, order, scan = journey["client"], journey["h"], journey["order"], journey["scan"]
    m = scan["measurements"]
    preview = c.get(f"/api/orders/{order['id']}/files/preview.json", headers=h).json
    for lang, words in (("ko", "발"), ("en", "Foot")):
        r = c.get(f"/api/orders/{order['id']}/files/spec.{lang}.html", headers=h)
        assert r.status_code == 200 and r.mimetype == "text/html"
        html = r.data.decode()
        assert f'lang="{lang}"' in html and words in html
        for key in ("foot_length_mm", "ball_girth_mm", "ball_width_mm"):
            row = re.search(rf'data-key="{key}"><th>[^<]*</th><td>([-\d.]+)</td>', html)
            assert row and float(row.group(1)) == pytest.approx(m[key], abs=0.051), key
        for k, v in preview["measures"].items():
            row = re.search(
                rf'data-measure="{k}"><td class="name">[^<]*</td><td>([-\d.]+)</td><td>([-\d.]+)</td>',
                html,
            )
            assert row, k
            assert float(row.group(1)) == pytest.approx(v["foot_mm"], abs=0.051)
            assert float(row.group(2)) == pytest.approx(v["last_mm"], abs=0.051)
        for reg in preview["clearance"]:
            row = re.search(
                rf'data-region="{reg["region"]}"><td class="name">[^<]*</td><td[^>]*>([-+\d.]+)</td>',
                html,
            )
            assert row and float(row.group(1)) == pytest.approx(reg["min_mm"], abs=0.051)
        assert str(order["id"]) in html


def test_maker_sees_only_its_orders_and_others_get_404(journey) -> None:  # type: ignore[no-untyped-def]
    c, h, order = journey["client"], journey["h"], journey["order"]
    oid = order["id"]
    maker, other = _login(c, "maker@example.org"), _login(c, "other@example.org")
    listed = c.get("/api/workshop/orders", headers=maker).json["orders"]
    assert [o["order_id"] for o in listed] == [oid]
    assert "user_id" not in listed[0] and "email" not in json.dumps(listed[0])
    assert {f["name"] for f in listed[0]["files"]["files"]} == {
        "last.stl", "last.3mf", "insole.stl", "insole.3mf", "spec.ko.html", "spec.en.html", "preview.json"
    }  # fmt: skip
    assert c.get("/api/workshop/orders", headers=other).json["orders"] == []
    # measurements leave only to the assigned maker: in its order detail, nowhere in the list
    detail = c.get(f"/api/workshop/orders/{oid}", headers=maker).json
    assert detail["measurements"] == order["made_to_measure"]["measurements"]
    assert detail["last_spec"] == order["made_to_measure"]["last_spec"]
    assert "measurements" not in listed[0]
    # a manufacturer account named like the shop's brand gets nothing (no such route any more)
    with journey["app"].app_context():
        from storefront.catalog.services import load_catalog_cached

        cat = load_catalog_cached(None)
        brand = cat.shop(cat.model(SHOE).shop_id).brand
    out = journey["app"].test_cli_runner().invoke(args=["create-manufacturer", brand])
    mfr = {"Authorization": f"Bearer {out.output.strip().splitlines()[-1].split()[-1]}"}
    assert c.get("/api/manufacturer/made-to-measure", headers=mfr).status_code == 404
    assert c.get(f"/api/workshop/orders/{oid}", headers=mfr).status_code == 403
    assert c.get(f"/api/orders/{oid}/files/spec.en.html", headers=mfr).status_code == 404
    for url in (f"/api/workshop/orders/{oid}", f"/api/workshop/orders/{oid}/files/last.stl",
                f"/api/orders/{oid}/files/spec.en.html", f"/api/workshop/orders/{oid}/files/x"):  # fmt: skip
        assert c.get(url, headers=other).status_code == 404, url
    # the shopper reads their own sheet and preview, not the production files
    assert c.get(f"/api/orders/{oid}/files/spec.ko.html", headers=h).status_code == 200
    assert c.get(f"/api/orders/{oid}/files/last.stl", headers=h).status_code == 404
    assert c.get("/api/workshop/orders", headers=h).status_code == 403
    stranger = _register(c, "stranger@example.org")
    assert c.get(f"/api/orders/{oid}/files/spec.en.html", headers=stranger).status_code == 404
    assert c.get(journey["quote"]["preview"]["url"], headers=stranger).status_code == 404
    # anonymous: 401 everywhere
    for url in ("/api/workshop/orders", f"/api/orders/{oid}/files/spec.en.html",
                journey["quote"]["preview"]["url"]):  # fmt: skip
        assert c.get(url).status_code == 401, url


def test_workshop_page_lists_orders_with_links(journey) -> None:  # type: ignore[no-untyped-def]
    oid = journey["order"]["id"]
    c = journey["app"].test_client()  # pages set a cookie: a client of its own
    maker, other = _login(c, "maker@example.org"), _login(c, "other@example.org")
    page = c.get("/workshop", headers=maker)
    assert page.status_code == 200
    html = page.data.decode()
    assert f'data-order="{oid}"' in html and f"/api/workshop/orders/{oid}/files/last.3mf" in html
    # the header names the maker on the server (no script needed), not "Sign in"
    slot = html.split('id="account-slot"', 1)[1][:200]
    assert "Busan Lasts" in slot and "Sign in" not in slot
    assert c.get("/workshop", headers=other).data.count(b"data-order=") == 0
    assert c.get("/workshop", headers=journey["h"]).status_code == 403


def test_failing_file_job_records_why_and_leaves_nothing(app, client, auth, measured_scan) -> None:  # type: ignore[no-untyped-def]
    """A scan without a stored foot surface (measured before lasts existed): clear failure."""
    h = auth.shopper()
    scan_id = measured_scan(h)
    q = client.post(
        "/api/orders/made-to-measure/quote",
        json={"scan_id": scan_id, "shoe_id": SHOE, "colourway_id": f"{SHOE}-volt"},
        headers=h,
    )
    assert q.status_code == 201
    pj = _job(client, q.json["preview"]["job"], h)
    assert pj["status"] == "failed" and "scan your foot again" in pj["error"]
    r = client.get(q.json["preview"]["url"], headers=h)
    assert r.status_code == 409 and "scan your foot again" in r.json["error"]["message"]
    order = client.post(
        "/api/orders/made-to-measure",
        json={"quote_id": q.json["id"], "confirm": True, "payment": {"provider": "test"}},
        headers=h,
    ).json
    job = _job(client, order["made_to_measure"]["files"]["job"], h)
    assert job["status"] == "failed"
    o = client.get(f"/api/orders/{order['id']}", headers=h).json["made_to_measure"]["files"]
    assert o["status"] == "failed" and "scan your foot again" in o["error"] and o["files"] == []
    # Korean pages read the reason in Korean; the English original stays in "error"
    ko = {**h, "Accept-Language": "ko"}
    o_ko = client.get(f"/api/orders/{order['id']}", headers=ko).json["made_to_measure"]["files"]
    assert o_ko["error"] == o["error"] and o_ko["error_text"] == _ko(o["error"])
    assert re.search("[가-힣]", o_ko["error_text"]) and not re.search(
        "[a-z]{3}", o_ko["error_text"]
    )
    assert o["error_text"] == o["error"]  # no language named: English
    r_ko = client.get(q.json["preview"]["url"], headers=ko).json["error"]
    assert r_ko["reason"] == _ko(pj["error"]) and re.search("[가-힣]", r_ko["reason"])
    assert client.get(f"/api/orders/{order['id']}/files/spec.en.html", headers=h).status_code == 409
    root = Path(app.config["UPLOAD_DIR"]) / "mtm" / "orders"
    assert not root.exists() or not any(root.iterdir())


def _ko(english: str) -> str:
    return json.loads(Path("storefront/i18n/ko.json").read_text(encoding="utf-8"))[english]


def test_job_failure_reasons_in_korean() -> None:
    """Every reason pattern's sentence is in ko.json; numbers survive; unknown -> a sentence."""
    from storefront.i18n.reasons import FALLBACK, JOB_FALLBACK, PATTERNS, reason_text

    cat = json.loads(Path("storefront/i18n/ko.json").read_text(encoding="utf-8"))
    assert FALLBACK in cat and JOB_FALLBACK in cat
    assert all(sentence in cat for _, sentence in PATTERNS)
    cases = {
        "internal error, reference 4711": "4711",
        "size EU 42.5 E is no longer made": "EU 42.5 E",
        "no personal last can be built from this scan: the toe is cut off": "라스트",
        "processing stopped 3 times without finishing (the worker was lost); please upload "
        "again": "중단",
        "some reason nobody foresaw": cat[FALLBACK],
    }
    for english, expected in cases.items():
        text = reason_text(english, "ko")
        assert text and expected in text and re.search("[가-힣]", text), (english, text)
        assert not re.search("[a-z]{4}", text), text  # no English word left
        assert reason_text(english, "en") == english
    assert reason_text(None, "ko") is None and reason_text("", "ko") is None


def test_openapi_documents_the_workshop_routes_and_their_real_answers(journey) -> None:  # type: ignore[no-untyped-def]
    import jsonschema

    from storefront.api.responses import WORKSHOP_SUCCESS

    c, h, oid = journey["client"], journey["h"], journey["order"]["id"]
    spec = c.get("/api/openapi.json").json
    maker = _login(c, "maker@example.org")
    urls = {
        "/api/workshop/orders": ("/api/workshop/orders", maker),
        "/api/workshop/orders/{order_id}": (f"/api/workshop/orders/{oid}", maker),
        "/api/orders/made-to-measure/quotes/{quote_id}/preview": (
            journey["quote"]["preview"]["url"],
            h,
        ),
    }
    assert {p for (_, p) in WORKSHOP_SUCCESS} == set(urls)
    for (method, path), _ in WORKSHOP_SUCCESS.items():
        schema = spec["paths"][path][method]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        url, headers = urls[path]
        r = c.get(url, headers=headers)
        assert r.status_code == 200, path
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(r.json))
        assert not errors, f"{path}: {errors[0].message}"
        assert list(jsonschema.Draft202012Validator(schema).iter_errors({}))
    files_op = spec["paths"]["/api/workshop/orders/{order_id}/files/{name}"]["get"]
    assert {"model/stl", "model/3mf", "text/html"} <= set(files_op["responses"]["200"]["content"])


def test_insole_follows_the_consented_kept_session_and_not_without_consent(
    app, client, auth, shared_data
) -> None:  # type: ignore[no-untyped-def]
    """The recorded Moticon walk (peaks above 200 kPa) shapes the insole only with consent."""
    h = auth.shopper(consent=True)  # insole (health) data consented
    r = client.post("/api/scans/demo", json={"foot_length_mm": 262, "side": "left"}, headers=h)
    scan = wait_for(client, f"/api/scans/{r.json['id']}", h, timeout_s=120)
    moticon = (shared_data / "insoles" / "moticon" / "230927_102114.txt").read_bytes()
    r = client.post(
        "/api/gait/sessions",
        data={"file": (io.BytesIO(moticon), "230927_102114.txt"), "keep_raw": "1"},
        headers=h,
        content_type="multipart/form-data",
    )
    assert r.status_code in (201, 202), r.json
    assert wait_for(client, f"/api/gait/sessions/{r.json['id']}", h, 120)["status"] == "done"

    def order_files() -> tuple[dict[str, Any], str]:
        q = client.post(
            "/api/orders/made-to-measure/quote",
            json={"scan_id": scan["id"], "shoe_id": SHOE, "colourway_id": f"{SHOE}-volt"},
            headers=h,
        ).json
        order = client.post(
            "/api/orders/made-to-measure",
            json={"quote_id": q["id"], "confirm": True, "payment": {"provider": "test"}},
            headers=h,
        ).json
        assert _job(client, order["made_to_measure"]["files"]["job"], h)["status"] == "done"
        files = client.get(f"/api/orders/{order['id']}", headers=h).json["made_to_measure"]
        sheet = client.get(f"/api/orders/{order['id']}/files/spec.en.html", headers=h).data
        return files["files"], sheet.decode()

    files, sheet = order_files()
    assert "230927_102114.txt (left" in files["pressure_source"]
    relieved = re.search(r"Relieved zones</th><td>([\d.]+) %", sheet)
    assert relieved and float(relieved.group(1)) > 0.5  # the walk peaks above 200 kPa
    assert "230927_102114.txt" in sheet
    # consent withdrawn: no session is read (withdrawal may also delete the sessions)
    assert (
        client.patch("/api/me", json={"consent": {"gait_health": False}}, headers=h).status_code
        == 200
    )
    files, sheet = order_files()
    assert files["pressure_source"] is None
    relieved = re.search(r"Relieved zones</th><td>([\d.]+) %", sheet)
    assert relieved and float(relieved.group(1)) == 0.0


def test_spec_sheet_draws_the_foot_in_the_last(journey) -> None:  # type: ignore[no-untyped-def]
    """Side and top SVG outlines: extents equal the last STL's (re-read with trimesh), the marked
    points are the preview's foot points with clearance under 1 mm."""
    c, h, oid = journey["client"], journey["h"], journey["order"]["id"]
    maker = _login(c, "maker@example.org")
    stl = c.get(f"/api/workshop/orders/{oid}/files/last.stl", headers=maker).data
    v = trimesh.load(io.BytesIO(stl), file_type="stl").vertices
    clearance = np.array(
        c.get(f"/api/orders/{oid}/files/preview.json", headers=h).json["foot"]["clearance_mm"]
    )
    html = c.get(f"/api/orders/{oid}/files/spec.en.html", headers=h).data.decode()
    for view, axis in (("side", 2), ("top", 1)):
        svg = re.search(rf'<svg [^>]*data-view="{view}".*?</svg>', html, re.S)
        assert svg, view
        poly = re.search(r'class="last" points="([^"]+)"', svg.group(0)).group(1)
        xy = np.array([p.split(",") for p in poly.split()], dtype=float)
        assert np.ptp(xy[:, 0]) == pytest.approx(np.ptp(v[:, 0]), abs=0.15), view
        assert np.ptp(xy[:, 1]) == pytest.approx(np.ptp(v[:, axis]), abs=0.15), view
        dots = svg.group(0).count("<circle")
        assert dots == min(400, int((clearance < 1.0).sum())), view
        assert svg.group(0).count('fill="#c0392b"') == min(dots, int((clearance < 0).sum()))
    assert "<script" not in html


def test_envelope_of_a_rectangle_and_bad_input() -> None:
    from storefront.workshop.clearance_views import clearance_views, envelope

    rng = np.random.default_rng(1)
    pts = np.column_stack([rng.uniform(0, 100, 5000), rng.uniform(-10, 30, 5000)])
    pts = np.vstack([pts, [[0, -10], [100, 30]]])
    poly = envelope(pts, 2.0)
    assert poly[:, 0].min() == 0 and poly[:, 0].max() == 100
    assert np.ptp(poly[:, 1]) == pytest.approx(40, abs=0.01) and len(poly) == 100
    for bad in (np.zeros((0, 2)), np.zeros((3, 3)), np.array([[0.0, np.nan]])):
        with pytest.raises(ValueError):
            envelope(bad)
    with pytest.raises(ValueError, match="clearance"):
        clearance_views(
            {
                "last": {"vertices": [[0, 0, 0]]},
                "foot": {"points": [[0, 0, 0]], "clearance_mm": []},
            },
            {"side": "s", "top": "t"},
        )


def test_stock_changes_rows_are_in_one_convention() -> None:
    """Girths: catalogue convention on both sides (foot + ease vs the stock size's girth); the
    personal last's own reading (with the insole fill) is carried beside it."""
    from types import SimpleNamespace

    from storefront.workshop.lasts_bridge import stock_changes

    last = SimpleNamespace(
        style=SimpleNamespace(ease_mm={"ball_girth": 2.0, "instep_girth": -3.0}),
        last_mm={
            "bottom_length": 282.0,
            "ball_width": 101.0,
            "ball_girth": 280.4,
            "instep_girth": 301.6,
        },
    )
    stock = SimpleNamespace(
        last_length_mm=280.0, ball_width_mm=100.0, ball_girth_mm=260.0, instep_girth_mm=262.0
    )
    rows = {
        r["measure"]: r
        for r in stock_changes(last, stock, {"ball_girth_mm": 265.9, "instep_girth_mm": 259.0})
    }
    ball = rows["ball_girth"]
    assert (ball["stock_mm"], ball["personal_mm"], ball["change_mm"]) == (260.0, 267.9, 7.9)
    assert (
        ball["basis"] == "foot+ease" and ball["last_mm"] == 280.4 and ball["last_offset_mm"] == 12.5
    )
    assert rows["instep_girth"]["personal_mm"] == 256.0
    length = rows["bottom_length"]
    assert length["basis"] == "last" and length["personal_mm"] == length["last_mm"] == 282.0
    assert length["last_offset_mm"] == 0.0 and length["change_mm"] == 2.0
