"""Every file, test, module and API route the documentation names exists.

Scans ``README.md`` and ``docs/*.md`` for

- repository paths under the project's folders (``storefront/fit/rules.py``, ``gait/insole/``,
  ``tests/storefront/test_{a,b}.py`` with brace expansion): the file or folder must exist;
- ``test_file.py::test_name`` references: a file of that name under ``tests/`` defines it;
- dotted names of the packages (``storefront.fit.learning``, ``gait.analyze``): importable
  module, then attributes;
- API routes written as ``GET /api/...``: an operation of the OpenAPI table.

A doc that still names a module moved by a restructure fails here.
"""

from __future__ import annotations

import importlib
import itertools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
_FOLDERS = "storefront|footscan|gait|tests|benchmarks|scripts|assets|docs"
PATH = re.compile(rf"(?<![\w/.\-~<,])((?:{_FOLDERS})/[\w./\-{{}},]*[\w/}}])")
TEST_REF = re.compile(r"(?<![\w/])((?:[\w/]+/)?test_\w+\.py)::(test_\w+\*?)")
DOTTED = re.compile(r"(?<![\w./\-])((?:storefront|footscan|gait)(?:\.[A-Za-z_]\w*)+)")
ROUTE = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/api/[\w./\-<>{}]*)")
#: Prose that reads like a path: "footscan/gait errors" means footscan's or gait's; the
#: gait/health consent; a folder of another repository (moticon-opengo, tests/testdata).
#: Routes a page describes as planned, not built (made-to-measure.md: the shop integration).
_PLANNED = {"GET /api/made-to-measure/<order>/preview"}
_PROSE = {"footscan/gait", "footscan/gait/domain", "gait/health", "tests/testdata"}


def _mentions(pattern: re.Pattern[str]) -> list[tuple[str, str]]:
    out = []
    for doc in DOCS:
        for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
            out += [(f"{doc.name}:{n}", m.group(0)) for m in pattern.finditer(line)]
    return out


def _expand(path: str) -> list[str]:
    """``a/test_{x,y}.py`` -> ``a/test_x.py``, ``a/test_y.py``."""
    parts = re.split(r"\{([^{}]*)\}", path)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(c) for c in itertools.product(*choices)]


def _resolves(name: str) -> bool:
    parts = name.split(".")
    for k in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:k]))
        except ImportError:
            continue
        for attr in parts[k:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


def test_every_named_path_exists() -> None:
    missing = []
    for where, raw in _mentions(PATH):
        path = raw.rstrip(".")
        if path in _PROSE or path.endswith(("/test_", "/test")):
            continue
        missing += [f"{where}: {p}" for p in _expand(path) if not (ROOT / p).exists()]
    assert missing == [], "\n".join(missing)


def test_every_named_test_exists() -> None:
    tests = {}
    for f in (ROOT / "tests").rglob("test_*.py"):
        tests.setdefault(f.name, []).append(f.read_text(encoding="utf-8"))
    missing = []
    for where, ref in _mentions(TEST_REF):
        file, name = ref.split("::")
        sources = tests.get(Path(file).name, [])
        pattern = rf"def {name[:-1]}\w*" if name.endswith("*") else rf"def {name}\b"
        if not any(re.search(pattern, src) for src in sources):
            missing.append(f"{where}: {ref}")
    assert missing == [], "\n".join(missing)


def test_every_named_module_and_attribute_exists() -> None:
    missing = [
        f"{where}: {name}"
        for where, name in _mentions(DOTTED)
        if not name.endswith((".py", ".md", ".json")) and not _resolves(name)
    ]
    assert missing == [], "\n".join(missing)


def test_every_named_api_route_exists() -> None:
    from storefront.api.operations import OPERATIONS

    known = [
        (m.upper(), re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(p))))
        for m, p, *_ in OPERATIONS
    ]
    missing = []
    for where, text in _mentions(ROUTE):
        if text in _PLANNED:
            continue
        method, path = text.split(" ", 1)
        path = re.sub(r"[<{](\w+)[>}]", r"\1", path.split("?")[0]).rstrip(".")
        if not any(m == method and rx.fullmatch(path) for m, rx in known):
            missing.append(f"{where}: {text}")
    assert missing == [], "\n".join(missing)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a/test_{x,y}.py", ["a/test_x.py", "a/test_y.py"]), ("a/b.py", ["a/b.py"])],
)
def test_brace_expansion(text: str, expected: list[str]) -> None:
    assert _expand(text) == expected


def test_the_checks_can_fail() -> None:
    assert not (ROOT / "storefront/fitting.py").exists()
    assert not _resolves("storefront.learning")
    assert _resolves("storefront.fit.learning")
