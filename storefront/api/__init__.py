"""The ``api`` blueprint shared by the catalog and fit views, and the OpenAPI document.

Every JSON endpoint lives under ``/api``. The catalog (:mod:`storefront.catalog.views`) and
the fit/recommendation views (:mod:`storefront.fit.views`) add their routes to :data:`bp`,
so their endpoint names stay ``api.<view>``; :mod:`storefront.api.views` adds the health
check and ``/api/openapi.json``.
"""

from flask import Blueprint

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api")
