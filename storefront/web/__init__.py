"""Browser front end of the shoe street: page routes, templates and the three.js delivery.

The blueprint ``bp`` is registered by the application factory. Page routes live in
:mod:`storefront.web.views`; three.js is served from ``node_modules/three`` through a
whitelisted route (:mod:`storefront.web._vendor`).
"""

from __future__ import annotations

from storefront.web import _vendor as _vendor
from storefront.web import errors as errors
from storefront.web import i18n as i18n
from storefront.web import views as views
from storefront.web._blueprint import bp
from storefront.web._vendor import THREE_FILES

__all__ = ["THREE_FILES", "bp"]
