"""Build hooks: the pinned three.js files in the wheel, and the gait readers' two small C
extensions (everything else is pyproject.toml).

``storefront/pages/three_files.json`` lists the files of the npm ``three`` package the pages
import; they are copied, with three's ``package.json`` (its version) and licence, from
``node_modules/three`` (``npm ci``) into ``storefront/pages/three/`` of the build. Nothing is
written into the source tree, so a checkout keeps serving ``node_modules/three`` directly.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithThree(build_py):
    """``build_py`` that also copies the whitelisted three.js release."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install serves node_modules/three of the checkout itself
        src = ROOT / "node_modules" / "three"
        listing = ROOT / "storefront" / "pages" / "three_files.json"
        files = json.loads(listing.read_text("utf-8"))["files"]
        missing = [f for f in files if not (src / f).is_file()]
        if missing:
            raise SystemExit(
                f"three.js is not installed in {src} (missing {missing[0]}): run `npm ci` "
                "before building the wheel"
            )
        dest = Path(self.build_lib) / "storefront" / "pages" / "three"
        for rel in [*files, "package.json", "LICENSE"]:
            if (src / rel).is_file():
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src / rel, dest / rel)


# The plain-decimal parser of the gait text readers (gait/readers/_decimals.c). Optional: without
# a C compiler the install still succeeds and the readers use Arrow's parser (the same values,
# about 5x slower on insole exports; docs/gait.md).
# The row fingerprints of the session reader's de-duplication (gait/insole/_rowhash.c), the
# same way: optional, with the numpy code as the fallback (the same bits).
DECIMALS = Extension("gait.readers._decimals", ["gait/readers/_decimals.c"], optional=True)
ROWHASH = Extension("gait.insole._rowhash", ["gait/insole/_rowhash.c"], optional=True)

setup(cmdclass={"build_py": BuildWithThree}, ext_modules=[DECIMALS, ROWHASH])
