"""Korean and English for the shoe street's pages: one message catalogue for server and browser.

Messages are written in English in templates (``{{ _("Your cart") }}``) and in the page scripts
(``t('Your cart')``); :file:`ko.json` maps each English message to its Korean text. English is the
message itself, so only Korean needs a catalogue. The page language is the ``lang`` cookie (set by
the language switch, ``/lang/<code>``), else the browser's ``Accept-Language``, else Korean (the
street is in Busan). Pages in Korean carry the catalogue as JSON for the scripts
(``<script type="application/json" id="i18n">``), so there is no inline script.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from flask import request

__all__ = [
    "COOKIE",
    "DEFAULT",
    "LANGUAGES",
    "catalog",
    "current_language",
    "gettext",
]

#: Supported page languages, with their own names for the switch.
LANGUAGES: dict[str, str] = {"ko": "한국어", "en": "English"}
DEFAULT = "ko"
COOKIE = "lang"
_HERE = Path(__file__).resolve().parent


@functools.cache
def catalog(language: str) -> dict[str, str]:
    """English message -> translation for ``language`` (empty for English)."""
    if language == "en":
        return {}
    path = _HERE / f"{language}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def current_language() -> str:
    """The request's page language: cookie, then ``Accept-Language``, then Korean."""
    chosen = request.cookies.get(COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    if request.accept_languages:
        best = request.accept_languages.best_match(list(LANGUAGES))
        if best:
            return best
    return DEFAULT


def gettext(message: str, language: str | None = None, **values: Any) -> str:
    """``message`` in the page language, with ``{name}`` placeholders filled from ``values``."""
    lang = language or current_language()
    text = catalog(lang).get(message, message)
    if values:
        for key, value in values.items():
            text = text.replace("{" + key + "}", str(value))
    return text
