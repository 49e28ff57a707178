"""Deprecated location kept for ``storefront.gaitsessions._gait``; use :mod:`gait.readers`."""

from gait.readers import write_csv

__all__ = ["write_csv"]
