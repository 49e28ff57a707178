"""footscan test helpers: make the scene and non-foot generators importable.

``scenes.py`` (carpets, two feet, turntable captures) and ``nonfeet.py`` (the non-foot corpus)
live beside the tests; with ``--import-mode=importlib`` pytest does not put this folder on
``sys.path``, so it is added here (``import scenes``, ``import nonfeet``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


@pytest.fixture(scope="module")
def foot_mesh():
    """A foot-sized closed mesh in mm (an ellipsoid 260 x 100 x 80 mm, 2.5k vertices)."""
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=4)
    verts = np.asarray(sphere.vertices) * [130.0, 50.0, 40.0] + [20.0, -5.0, 40.0]
    return trimesh.Trimesh(verts, sphere.faces, process=False)
