"""The ``geo`` package: importing it loads nothing heavy; subpackages load on first use."""

import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "pandas", "numba", "geopandas", "shapely", "pydantic", "yaml")


def test_import_geo_loads_no_subpackage_and_no_heavy_library() -> None:
    code = (
        "import sys, geo\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('geo.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out == ["[]", "[]"]


def test_subpackages_load_on_first_use() -> None:
    import geo

    assert geo.network.Network.__module__ == "geo.network.core"
    assert geo.terms.__name__ == "geo.terms"
    assert set(dir(geo)) == set(geo.__all__)
    assert {"network", "access", "population", "synthetic", "locate", "norms", "demo"} <= set(
        geo.__all__
    )
    with pytest.raises(AttributeError, match="no attribute 'roads'"):
        _ = geo.roads
