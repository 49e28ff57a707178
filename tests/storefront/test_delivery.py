"""Korean delivery details: the formats Korean shops and the postal service use."""

from __future__ import annotations

import pytest

from storefront.domain_errors import ValidationFailed
from storefront.shop.delivery import normalise_phone, parse_delivery

GOOD = {
    "name": "김부산",
    "postcode": "47285",
    "road_address": "부산광역시 부산진구 중앙대로 644",
    "detail": "3층 301호",
    "phone": "010 1234 5678",
}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01012345678", "010-1234-5678"),
        ("010-1234-5678", "010-1234-5678"),
        ("+82 10-1234-5678", "010-1234-5678"),
        ("0082 10 1234 5678", "010-1234-5678"),
        ("011-234-5678", "011-234-5678"),
        ("02-123-4567", "02-123-4567"),
        ("0212345678", "02-1234-5678"),
        ("051-123-4567", "051-123-4567"),
        ("(051) 1234-5678", "051-1234-5678"),
        ("070-1234-5678", "070-1234-5678"),
    ],
)
def test_korean_phone_numbers_are_normalised(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12345", "010-123-456", "015-1234-5678", "099-123-4567", "+1 415 555 0100", "abc"]
)
def test_non_korean_or_malformed_phone_numbers_are_refused(raw):
    assert normalise_phone(raw) is None


def test_a_busan_address_is_accepted_and_cleaned():
    d = parse_delivery(
        {**GOOD, "name": "  김부산 ", "road_address": "부산광역시  부산진구 중앙대로 644"}
    )
    assert d.name == "김부산"
    assert d.road_address == "부산광역시 부산진구 중앙대로 644"
    assert d.phone == "010-1234-5678"
    assert d.to_dict()["postcode"] == "47285"


def test_decomposed_hangul_is_stored_composed():
    import unicodedata

    d = parse_delivery({**GOOD, "name": unicodedata.normalize("NFD", "김부산")})
    assert d.name == "김부산" and len(d.name) == 3


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("postcode", "4728", "5 digits"),
        ("postcode", "612-020", "5 digits"),
        ("postcode", 47285, "5 digits"),
        ("phone", "12345", "Korean phone"),
        ("name", "", "required"),
        ("road_address", "부산", "at least 5"),
        ("detail", "x" * 101, "at most 100"),
        ("name", "a\x00b", "control"),
    ],
)
def test_each_wrong_field_is_named(field, value, words):
    with pytest.raises(ValidationFailed) as info:
        parse_delivery({**GOOD, field: value})
    assert field in info.value.fields
    assert words in str(info.value)


def test_missing_delivery_says_what_is_expected():
    with pytest.raises(ValidationFailed, match="postcode, road_address"):
        parse_delivery(None)


#: Numbers both sides must judge alike: every accepted kind (mobiles 010/011/016-019, Seoul 02,
#: Busan 051 and other area codes, 070, +82 / 0082, separators) and refusals on each boundary.
PHONE_CASES = [
    "010-1234-5678",
    "01012345678",
    "011-234-5678",
    "016-234-5678",
    "017-2345-6789",
    "018-234-5678",
    "019-2345-6789",
    "+82 10-1234-5678",
    "0082 10 1234 5678",
    "02-123-4567",
    "02 1234 5678",
    "051-123-4567",
    "051-1234-5678",
    "(051) 123-4567",
    "031.123.4567",
    "064-123-4567",
    "070-1234-5678",
    "+82 51-123-4567",
    "",
    "12345",
    "010-123-456",
    "012-1234-5678",
    "015-1234-5678",
    "030-123-4567",
    "065-123-4567",
    "099-123-4567",
    "010-1234-56789",
    "02-12-3456",
    "+1 415 555 0100",
    "abc",
    "010-1234-567x",
    "٠١٠١٢٣٤٥٦٧٨",
]


def test_the_checkout_page_accepts_exactly_what_the_server_accepts(tmp_path):
    """The page's check (static/js/lib/phone.js with the server's pattern) run in Node."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    from storefront.shop.delivery import PHONE_PATTERN

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    js = Path(__file__).resolve().parents[2] / "storefront/static/js/lib/phone.js"
    script = tmp_path / "check.mjs"
    script.write_text(
        f"import {{ phoneAccepted }} from {json.dumps(js.as_uri())};\n"
        f"const cases = {json.dumps(PHONE_CASES)};\n"
        f"console.log(JSON.stringify(cases.map((c) => phoneAccepted(c, {json.dumps(PHONE_PATTERN)}))));\n"
    )
    out = subprocess.run(
        [node, str(script)], capture_output=True, text=True, timeout=30, check=True
    )
    page = dict(zip(PHONE_CASES, json.loads(out.stdout), strict=True))
    server = {c: normalise_phone(c) is not None for c in PHONE_CASES}
    assert page == server
    assert sum(server.values()) == 18  # the accepted kinds above are all accepted
