"""footscan test helpers: make the scene and non-foot generators importable.

``scenes.py`` (carpets, two feet, turntable captures) and ``nonfeet.py`` (the non-foot corpus)
live beside the tests; with ``--import-mode=importlib`` pytest does not put this folder on
``sys.path``, so it is added here (``import scenes``, ``import nonfeet``).
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
