"""The layer rules that import-linter cannot see: no request object below the web layer."""

from __future__ import annotations

import ast
import re
from pathlib import Path

STOREFRONT = Path(__file__).resolve().parents[2] / "storefront"

#: The web layer: blueprints' views, the pages, request defences, error handlers, the app.
_WEB = re.compile(
    r"^(__init__|cli|errors|worker|bootstrap)\.py$|/views\.py$|^pages/|^api/"
    r"|^accounts/(csrf|guard)\.py$|^security/(ratelimit|request_guard)\.py$|^i18n/(__init__|errors)\.py$"
)


def _uses_request(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "flask":
            lines += [node.lineno for a in node.names if a.name in ("request", "session", "g")]
        if isinstance(node, ast.Attribute) and node.attr == "request":
            if isinstance(node.value, ast.Name) and node.value.id == "flask":
                lines.append(node.lineno)
    return lines


def test_domain_and_infrastructure_modules_do_not_touch_the_request() -> None:
    """Services get plain arguments (the user, the upload's bytes, parsed fields), not Flask's
    request, session or g: they run the same from a view, a job or the CLI."""
    offenders = {}
    checked = 0
    for path in sorted(STOREFRONT.rglob("*.py")):
        rel = path.relative_to(STOREFRONT).as_posix()
        if rel.startswith("db/migrations/") or _WEB.search(rel):
            continue
        checked += 1
        lines = _uses_request(path)
        if lines:
            offenders[rel] = lines
    assert checked > 30
    assert offenders == {}


def test_the_check_sees_a_request_import(tmp_path: Path) -> None:
    bad = tmp_path / "services.py"
    bad.write_text("from flask import current_app, request\nimport flask\nx = flask.request\n")
    assert _uses_request(bad) == [1, 3]
