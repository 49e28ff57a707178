"""The web blueprint without a browser: pages, the import map, the three.js whitelist, layouts."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from storefront.pages import THREE_FILES
from storefront.pages._vendor import three_version

REPO = Path(__file__).resolve().parents[2]
STATIC_JS = REPO / "storefront" / "static" / "js"
PAGES = [
    "/",
    "/list",
    "/shop/norma",
    "/shoe/norma-rambler-comfort",
    "/my-foot",
    "/scan-guide",
    "/try-on/norma-rambler-comfort",
    "/cart",
    "/checkout",
    "/orders",
    "/made-to-measure/norma-rambler-comfort",
    "/gait",
    "/gait/1",
    "/manufacturer",
    "/account",
]


def importmap(html: str) -> dict:
    m = re.search(r'<script type="importmap">(.*?)</script>', html, re.S)
    assert m, "no import map in the page"
    return json.loads(m.group(1))["imports"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_with_its_script_and_import_map(client, path):
    r = client.get(path)
    assert r.status_code == 200, path
    html = r.get_data(as_text=True)
    imports = importmap(html)
    release = three_version(REPO / "node_modules" / "three")
    assert imports["three"] == f"/vendor/three-{release}/build/three.module.js"
    assert imports["three/addons/"] == f"/vendor/three-{release}/examples/jsm/"
    page = re.search(r'<body data-page="([^"]+)"', html).group(1)
    assert page, path
    # main.js maps every page name to a module that exists.
    main = (STATIC_JS / "main.js").read_text()
    module = re.search(
        rf"'{re.escape(page)}': \(\) => import\('shoestreet/pages/(\w+)\.js'\)", main
    )
    assert module, page
    assert (STATIC_JS / "pages" / f"{module.group(1)}.js").is_file()
    # No CDN, no external script.
    assert not re.search(r'src="https?://', html)
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)


def test_page_config_carries_ids_and_no_user_when_signed_out(client):
    html = client.get("/shoe/norma-rambler-comfort").get_data(as_text=True)
    cfg = json.loads(
        re.search(
            r'<script type="application/json" id="page-config">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert cfg == {"shoe_id": "norma-rambler-comfort", "user": None}


def test_page_config_names_the_session_user(client, auth):
    auth.shopper()
    r = client.post(
        "/api/auth/session", json={"email": "shopper1@example.org", "password": "correct horse"}
    )
    assert r.status_code == 200
    html = client.get("/").get_data(as_text=True)
    cfg = json.loads(re.search(r'id="page-config">(.*?)</script>', html, re.S).group(1))
    assert cfg["user"]["email"] == "shopper1@example.org"
    assert set(cfg["user"]) == {"id", "email", "display_name", "role"}


@pytest.mark.parametrize("bad", ["..%2F..%2Fetc", "a" * 200, "x<script>", "%00"])
def test_ids_that_cannot_exist_are_404_not_reflected(client, bad):
    r = client.get(f"/shoe/{bad}")
    assert r.status_code == (400 if bad == "%00" else 404)  # NUL is refused before routing
    assert "<script>" not in r.get_data(as_text=True)


def test_three_whitelist_serves_modules_from_node_modules(client):
    if not (REPO / "node_modules" / "three" / "build" / "three.module.js").is_file():
        pytest.skip("three.js not installed (run `npm ci`)")
    release = three_version(REPO / "node_modules" / "three")
    for rel in sorted(THREE_FILES):
        r = client.get(f"/vendor/three-{release}/{rel}")
        assert r.status_code == 200, rel
        assert r.mimetype == "text/javascript"
        assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert client.get(f"/vendor/three/{rel}").status_code == 200  # older pages' URL
    # The core imports its sibling; every addon imports only 'three' or whitelisted siblings.
    core = client.get(f"/vendor/three-{release}/build/three.module.js").get_data(as_text=True)
    assert "./three.core.js" in core
    for rel in THREE_FILES:
        if not rel.startswith("examples/"):
            continue
        text = (REPO / "node_modules" / "three" / rel).read_text()
        for spec in re.findall(r"^(?:import|export)\b[^;]*?\bfrom\s+'([^']+)';", text, re.M | re.S):
            if spec == "three":
                continue
            if spec.startswith("three/addons/"):
                target = "examples/jsm/" + spec.removeprefix("three/addons/")
            else:
                target = (Path(rel).parent / spec).as_posix()
            while "/../" in target or target.startswith("../"):
                target = re.sub(r"[^/]+/\.\./", "", target, count=1)
            assert target in THREE_FILES, f"{rel} imports {spec}, which is not whitelisted"


@pytest.mark.parametrize(
    "rel",
    [
        "package.json",
        "build/three.cjs",
        "../.bin/x",
        "src/Three.js",
        "examples/jsm/libs/draco/draco_decoder.js",
    ],
)
def test_three_whitelist_refuses_everything_else(client, rel):
    assert client.get(f"/vendor/three/{rel}").status_code == 404
    assert (
        client.get(
            f"/vendor/three-{three_version(REPO / 'node_modules' / 'three')}/{rel}"
        ).status_code
        == 404
    )


def test_three_is_served_minified_gzipped_and_revalidated(client):
    if not (REPO / "node_modules" / "three" / "build" / "three.module.js").is_file():
        pytest.skip("three.js not installed (run `npm ci`)")
    url = f"/vendor/three-{three_version(REPO / 'node_modules' / 'three')}/build/three.core.js"
    source = (REPO / "node_modules" / "three" / "build" / "three.core.js").read_bytes()
    plain = client.get(url)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert len(plain.data) < 0.5 * len(source) and b"/**" not in plain.data
    assert b"REVISION" in plain.data  # the code is still there
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert (
        zipped.headers["Content-Encoding"] == "gzip" and zipped.headers["Vary"] == "Accept-Encoding"
    )
    assert gzip.decompress(zipped.data) == plain.data and len(zipped.data) < 0.15 * len(source)
    etag = plain.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    # an old release's URL is not served as if it were this one
    assert client.get("/vendor/three-0.0.1/build/three.core.js").status_code == 404


def test_three_missing_install_is_a_clear_503(app, tmp_path):
    app.config["THREE_DIR"] = str(tmp_path / "nothing")
    r = app.test_client().get("/vendor/three/build/three.module.js")  # no release without it
    assert r.status_code == 503
    assert "npm ci" in r.get_data(as_text=True)


def test_package_json_pins_three_exactly():
    pkg = json.loads((REPO / "package.json").read_text())
    lock = json.loads((REPO / "package-lock.json").read_text())
    version = pkg["dependencies"]["three"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "three must be pinned to an exact version"
    assert lock["packages"]["node_modules/three"]["version"] == version


def test_gait_layout_json_matches_the_gait_package(client):
    from gait import get_layout

    for n in (8, 16):
        d = client.get(f"/gait/layouts/{n}.json").get_json()
        layout = get_layout(n)
        assert d["n_sensors"] == n == len(d["xy_mm"]) == len(d["regions"])
        assert d["xy_mm"][0] == pytest.approx(layout.xy_mm[0].tolist(), abs=0.01)
        assert len(d["outline_mm"]) == len(layout.outline_mm)
    assert client.get("/gait/layouts/7.json").status_code == 404


def test_account_page_offers_the_demo_shopper_only_when_seeding(app):
    from storefront.db.seed import DEMO_EMAIL

    app.config["SEED_DEMO"] = False
    html = app.test_client().get("/account").get_data(as_text=True)
    assert DEMO_EMAIL not in html
    app.config["SEED_DEMO"] = True
    html = app.test_client().get("/account").get_data(as_text=True)
    assert DEMO_EMAIL in html
