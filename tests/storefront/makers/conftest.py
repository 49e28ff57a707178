"""Fixtures of the maker statistics: synthetic populations and their Parquet exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from storefront.makers import engine, population


@pytest.fixture(scope="session")
def ansur_folder(shared_data: Path) -> Path:
    folder = shared_data / "footscan" / "ansur2"
    if not folder.is_dir():
        pytest.skip(f"ANSUR II not found at {folder}")
    return folder


@pytest.fixture(scope="session")
def city_20k(ansur_folder: Path) -> population.SyntheticCity:
    return population.synthetic_city(20_000, seed=11, ansur_folder=ansur_folder)


@pytest.fixture(scope="session")
def city_20k_parquet(city_20k, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("makers") / "city.parquet"
    return engine.write_parquet(city_20k.to_arrow(), path)
