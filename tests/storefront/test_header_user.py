"""Every page's header reads the signed-in account from one function (``header_user``).

The shop pages, the care pages and the maker's ``/workshop`` page each used to build this
dict themselves. Here the same account, with a profile that holds health-adjacent data (age
band, sex, consent), is read back from each page's ``page-config`` JSON: the same four fields
everywhere, the values ``/api/me`` gives, and nothing of the profile.
"""

from __future__ import annotations

import json
import re

from storefront.accounts.services import header_user


def _page_user(html: str) -> object:
    m = re.search(r'<script type="application/json" id="page-config">(.*?)</script>', html, re.S)
    assert m, "no page-config on the page"
    return json.loads(m.group(1))["user"]


def test_every_page_header_reads_the_same_four_fields(client, auth) -> None:  # type: ignore[no-untyped-def]
    h = auth.shopper()
    assert (
        client.patch("/api/me", json={"age_band": "60-74", "sex": "female"}, headers=h).status_code
        == 200
    )
    me = client.get("/api/me", headers=h).json
    want = {k: me[k] for k in ("id", "email", "display_name", "role")}
    for url in ("/", "/account", "/care", "/workshop"):
        r = client.get(url, headers=h)
        assert r.status_code in (200, 403), (url, r.status_code)
        assert _page_user(r.data.decode()) == want, url
    assert client.get("/", headers={}).status_code == 200
    assert _page_user(client.get("/").data.decode()) is None
    assert header_user(None) is None
