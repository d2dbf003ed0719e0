"""``fplan network import --edges`` refusing a road file: one ``错误：`` line naming the file or
the column, from the catalogue (``Error:`` in English), exit code 2, before any database query."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo import messages
from tests._english import english_sentences

LINE = shapely.LineString([(112.90, 28.20), (112.91, 28.21)])


def _fplan(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    fplan = Path(sys.executable).parent / "fplan"
    # the file is refused before any query: no database is reached
    env = {
        **os.environ,
        "APP_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "FPLAN_LANG": lang,
    }
    return subprocess.run(
        [str(fplan), *args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def _points_only(folder: Path) -> tuple[Path, list[str]]:
    # a GeoPackage holding no line at all
    path = folder / "roads.gpkg"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(112.9, 28.2)], crs=4326).to_file(path)
    return path, []


def _no_speed_column(folder: Path) -> tuple[Path, list[str]]:
    path = folder / "roads.gpkg"
    gpd.GeoDataFrame({"name": ["a"]}, geometry=[LINE], crs=4326).to_file(path)
    return path, ["--speed-column", "speed_kph"]


def _not_a_layer(folder: Path) -> tuple[Path, list[str]]:
    path = folder / "roads.geojson"
    path.write_text("{ this is not json", encoding="utf-8")
    return path, []


@pytest.mark.parametrize(
    ("build", "key", "fields"),
    [
        (_points_only, "input.network.no_lines", {"rows": 1}),
        (
            _no_speed_column,
            "input.common.no_column",
            {"field": "speed_column", "column": "speed_kph", "have": "name / geometry"},
        ),
        (_not_a_layer, "input.network.unreadable_gis", {"name": "roads.geojson"}),
    ],
    ids=["no line", "no speed column", "unreadable"],
)
def test_a_refused_road_file_is_one_worded_line(
    tmp_path: Path,
    build: Callable[[Path], tuple[Path, list[str]]],
    key: str,
    fields: dict[str, object],
) -> None:
    path, options = build(tmp_path)
    for lang in messages.LANGS:
        result = _fplan("network", "import", "--edges", str(path), *options, lang=lang)

        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        said = messages.text("cli.chrome.error", lang, message=messages.text(key, lang, **fields))
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines == [said]
        if lang == "zh":
            assert english_sentences(said) == []
