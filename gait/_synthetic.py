"""Deprecated location kept for ``storefront.gaitsessions._gait``; use :func:`gait.synthesize`."""

from gait.insole import synthesize

__all__ = ["synthesize"]
