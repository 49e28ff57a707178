"""Browser front end of the shoe street: page routes, templates and the three.js delivery.

The blueprint ``bp`` is registered by the application factory. Page routes live in
:mod:`storefront.pages.views`; three.js is served from ``node_modules/three`` through a
whitelisted route (:mod:`storefront.pages._vendor`).
"""

from __future__ import annotations

from storefront.pages import _vendor as _vendor
from storefront.pages import errors as errors
from storefront.pages import i18n as i18n
from storefront.pages import views as views
from storefront.pages._blueprint import bp
from storefront.pages._vendor import THREE_FILES, three_version

__all__ = ["THREE_FILES", "bp", "three_version"]
