"""Why a job failed, in the page language.

A failed job records its reason in English (the job's ``error``; for made to measure also
``MtmQuote.preview_error`` and ``MadeToMeasure.files_error``): that is what logs, API clients
and the maker's support rely on. People read it on Korean pages, so :func:`reason_text` gives
the sentence in the page language: the exact ``ko.json`` sentence when there is one, else the
sentence of the first known pattern (with its numbers), else a general sentence. The English
original is never lost: the made-to-measure file status keeps it in ``error`` and adds
``error_text``; the job status (``/api/jobs/<id>``) answers the sentence in ``error`` and the
English in ``detail``, as the API's errors do.

It lives at the bottom layer (beside the catalogue) because several packages answer with job
reasons: the job status view (:mod:`storefront.scans.views`) and :mod:`storefront.workshop`.
"""

from __future__ import annotations

import re

from storefront.i18n import catalog

__all__ = ["FALLBACK", "JOB_FALLBACK", "PATTERNS", "reason_text"]

#: The sentence for a made-to-measure reason no pattern knows.
FALLBACK = "This could not be made. Please ask the shop."
#: The sentence for any other job's reason that no pattern knows (scans, gait sessions).
JOB_FALLBACK = "This could not be finished. Try again, or ask the shop if it happens again."

#: (English reason as the code writes it, sentence in ko.json with ``{placeholders}``).
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"^internal error, reference (?P<reference>\S+)$"),
        "Something went wrong on our side (reference {reference}). Please ask the shop.",
    ),
    (
        re.compile(r"^no personal last can be built from this scan: .*$", re.S),
        "No personal last can be built from this scan. Scan your foot again or ask the shop.",
    ),
    (
        re.compile(r"^size EU (?P<eu>\S+) (?P<width>\S+) is no longer made$"),
        "Size EU {eu} {width} is no longer made. Ask for a new quote.",
    ),
    (
        re.compile(r"^This scan was not accepted \(.*$", re.S),
        "This scan cannot be used for fitting. See the advice and scan again.",
    ),
    (
        re.compile(r"^the stored foot cannot be read \(.*\)$", re.S),
        "Your stored foot scan cannot be read. Scan your foot again.",
    ),
    (
        re.compile(r"^made-to-measure order \S+ has no quote$"),
        "This order has no quote any more. Please ask the shop.",
    ),
    (
        re.compile(r"^processing stopped \d+ times without finishing .*$", re.S),
        "This stopped several times without finishing. Please ask the shop.",
    ),
)


def reason_text(message: str | None, language: str, fallback: str = FALLBACK) -> str | None:
    """``message`` (an English job failure reason) in ``language``.

    Parameters
    ----------
    message : str or None
        The reason as recorded; None or empty for no failure.
    language : str
        Page language, ``"ko"`` or ``"en"``.
    fallback : str
        English sentence (in ``ko.json``) for a reason neither the catalogue nor a pattern
        knows; default :data:`FALLBACK` (made to measure), :data:`JOB_FALLBACK` for others.

    Returns
    -------
    str or None
        None for no reason; ``message`` itself in English; else its translation.
    """
    if not message:
        return None
    if language == "en":
        return message
    cat = catalog(language)
    if message in cat:
        return cat[message]
    for pattern, sentence in PATTERNS:
        m = pattern.match(message)
        if m:
            text = cat.get(sentence, sentence)
            for key, value in m.groupdict().items():
                text = text.replace("{" + key + "}", value)
            return text
    return cat.get(fallback, fallback)
