"""The command line: init-db, seed, create-manufacturer, release-aggregates, and the console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storefront.cli import main


def test_create_manufacturer_prints_token_last(runner, client) -> None:  # type: ignore[no-untyped-def]
    out = runner.invoke(args=["create-manufacturer", "Velox"])
    assert out.exit_code == 0, out.output
    token = out.output.strip().splitlines()[-1].split()[-1]
    r = client.get("/api/manufacturer/budget", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json["manufacturer"] == "Velox"
    again = runner.invoke(args=["create-manufacturer", "Velox"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_release_aggregates_command(runner) -> None:  # type: ignore[no-untyped-def]
    runner.invoke(args=["create-manufacturer", "Pace"])
    out = runner.invoke(args=["release-aggregates", "Pace", "--epsilon", "0.5"])
    # An empty street has nobody to count: refused as too narrow, clearly.
    assert out.exit_code != 0 and "fewer than the floor" in out.output
    out = runner.invoke(args=["release-aggregates", "Nobody"])
    assert out.exit_code != 0 and "no manufacturer" in out.output


def test_init_db_and_seed_are_idempotent(runner) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(args=["init-db"]).exit_code == 0
    out = runner.invoke(args=["seed", "--no-demo"])
    assert out.exit_code == 0 and "seeded: 0 catalog rows" in out.output


def test_console_script_on_a_fresh_instance(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SHOESTREET_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "SHOESTREET_UPLOAD_DIR": str(tmp_path / "up"),
        "SHOESTREET_SECRET_KEY": "cli-test",
    }
    code = "import sys; from storefront.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run(
        [sys.executable, "-c", code, "create-manufacturer", "Kindred"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1].split()[-1].startswith("sst_")
    assert main(["--help"]) == 0
