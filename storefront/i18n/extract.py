"""List the English messages the pages use, to keep ``ko.json`` complete.

``python -m storefront.i18n.extract`` prints the messages that have no Korean text yet. The e2e
suite's catalogue test uses :func:`messages` to fail on any message left untranslated.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_CALL = re.compile(r"""(?<![\w.])(?:_|t|tr)\(\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")""")
#: Label tables whose values are translated with t() where they are shown.
_TABLE_FILES = (
    "static/js/lib/i18n/labels.js",
    "static/js/lib/dom.js",
    "static/js/pages/gait.js",
    "static/js/pages/manufacturer.js",
    "static/js/pages/myFoot.js",
)
_TABLE_VALUE = re.compile(r"""(?:[:\[,]\s*)'([^'\\]*[A-Za-z][^'\\]*)'(?=\s*[,\]}])""")
_ROW = re.compile(r"""\brow\('([^']+)'""")
_PY_PAGES = re.compile(r'"([A-Z][^"]+)"')


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def messages() -> set[str]:
    """Every English message literal in the templates, page scripts and label tables."""
    found: set[str] = set()
    files = list((ROOT / "templates").rglob("*.html")) + list(
        (ROOT / "static" / "js").rglob("*.js")
    )
    for path in files:
        text = path.read_text(encoding="utf-8")
        for m in _CALL.finditer(text):
            found.add(_unescape(m.group(1) if m.group(1) is not None else m.group(2)))
        found.update(_ROW.findall(text))
    for rel in _TABLE_FILES:
        text = (ROOT / rel).read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.lstrip().startswith(("import", "//", "*", "/*")) or "getElementById" in line:
                continue
            if re.search(r"(const [A-Z_]+ = [\[{])|^\s+\[?'|^\s+[a-z_]+:\s'", line):
                found.update(v for v in _TABLE_VALUE.findall(line) if " " in v or v[0].isupper())
    errors_py = (ROOT / "pages" / "errors.py").read_text(encoding="utf-8")
    block = errors_py[errors_py.index("PAGES") : errors_py.index("}", errors_py.index("PAGES"))]
    found.update(_PY_PAGES.findall(block))
    return {m for m in found if re.search("[A-Za-z]", m)}


def missing(language: str = "ko") -> list[str]:
    """Messages with no translation in ``<language>.json``."""
    data = json.loads((Path(__file__).with_name(f"{language}.json")).read_text(encoding="utf-8"))
    return sorted(m for m in messages() if m not in data)


if __name__ == "__main__":
    out = missing(sys.argv[1] if len(sys.argv) > 1 else "ko")
    print(json.dumps({m: "" for m in out}, ensure_ascii=False, indent=1))
