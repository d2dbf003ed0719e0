"""fplan population import: a raster on a city's cells, calibrated to each county's census."""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app
from app.cli._help import reader_lang
from app.db.models import PopulationCell, Region
from app.errors import InvalidInputError, NotFoundError
from app.services import citydata, networks, population_files
from app.settings import Settings
from geo import messages
from geo.errors import PopulationError
from tests._english import english_sentences

CITY = "439900"  # the tiny city: 东区 439901 (100,000) east of 西县 439902 (50,000)


def _raster(path: Path) -> Path:
    # 0.005° pixels over both units (112.9–113.1 E, 28.0–28.1 N); people grow eastwards
    values = np.tile(np.arange(1, 41, dtype=np.float32), (20, 1))
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=20,
        width=40,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(112.9, 28.1, 0.005, 0.005),
    ) as dst:
        dst.write(values, 1)
    return path


def _by_unit(session: Session) -> dict[str, int]:
    rows = session.execute(
        select(PopulationCell.region_adcode, func.sum(PopulationCell.population))
        .where(PopulationCell.city_adcode == CITY)
        .group_by(PopulationCell.region_adcode)
    ).all()
    return {str(a): int(n) for a, n in rows}


@pytest.fixture
def surface(db_session: Session, settings: Settings, tiny_city: None) -> Session:
    # the tiny city's units as a suburban district and a rural county (GHSL classes, census share)
    for adcode, urban, suburban, rural in (("439901", 0.8, 1.0, 0.0), ("439902", 0.2, 0.0, 1.0)):
        region = db_session.get(Region, adcode)
        assert region is not None
        region.urban_share = urban
        region.ghsl_population = region.population
        region.ghsl_suburban_share = suburban
        region.ghsl_rural_cluster_share = rural
    db_session.flush()
    summary = citydata.synthesize_network(db_session, CITY, target_nodes=1000)
    net = networks.load_network(db_session, settings, summary.id)
    citydata.build_population(db_session, CITY, net, summary.id)
    return db_session


def test_calibrated_raster_sums_exactly_to_each_census_total(
    surface: Session, tmp_path: Path
) -> None:
    assert population_files.population_source(surface, CITY) == "2020年普查人口按街道长度分布"
    tif = _raster(tmp_path / "worldpop.tif")

    done = population_files.import_population(surface, CITY, raster=tif)

    assert _by_unit(surface) == {"439901": 100_000, "439902": 50_000}
    assert done.by_unit == {"439901": 100_000, "439902": 50_000}
    assert done.population == 150_000
    assert done.source_population == pytest.approx(20 * sum(range(1, 41)))
    assert done.empty_units == []
    source = population_files.population_source(surface, CITY)
    assert source == "人口栅格：worldpop.tif，按普查校准"
    english = population_files.population_source(surface, CITY, "en")
    assert english is not None
    assert "worldpop.tif" in english
    assert english.endswith(messages.text("cli.population.calibrated.census", "en"))
    # the raster's pattern survives calibration: the east edge of a unit is denser than its west
    cells = surface.execute(
        select(PopulationCell.centroid.ST_X(), PopulationCell.population).where(
            PopulationCell.region_adcode == "439901"
        )
    ).all()
    west = [p for x, p in cells if x < 113.05]
    east = [p for x, p in cells if x >= 113.05]
    assert np.mean(east) > np.mean(west)


def test_uncalibrated_raster_keeps_its_own_counts(surface: Session, tmp_path: Path) -> None:
    tif = _raster(tmp_path / "ghs.tif")

    done = population_files.import_population(surface, CITY, raster=tif, calibrate="none")

    # every pixel centre falls in one cell of the two units: the raster's 16,400 people
    assert done.population == 20 * sum(range(1, 41))
    units = _by_unit(surface)
    assert units["439902"] == 20 * sum(range(1, 21))
    assert units["439901"] == 20 * sum(range(21, 41))


def test_a_point_grid_and_refusals(surface: Session, tmp_path: Path) -> None:
    grid = tmp_path / "grid.csv"
    grid.write_text("lon,lat,population\n112.95,28.05,10\n113.05,28.05,30\n120.0,30.0,999\n")

    done = population_files.import_population(surface, CITY, points=grid, calibrate="none")
    assert _by_unit(surface) == {"439901": 30, "439902": 10}
    assert done.source_population == 40

    # a raster with no one on the cells (every pixel nodata) is refused
    with pytest.raises(InvalidInputError, match="holds nobody"):
        population_files.import_population(surface, CITY, raster=_nodata(tmp_path / "nodata.tif"))
    with pytest.raises(NotFoundError, match="no population surface"):
        population_files.import_population(surface, "430200", raster=tmp_path / "x.tif")


def _empty(path: Path) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=2,
        width=2,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        transform=from_origin(100.0, 20.0, 0.01, 0.01),
    ) as dst:
        dst.write(np.ones((2, 2), dtype=np.float32), 1)
    return path


def _nodata(path: Path) -> Path:
    # over both units, every pixel the raster's nodata marker
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=20,
        width=40,
        count=1,
        dtype="float32",
        crs="EPSG:4326",
        nodata=-9999.0,
        transform=from_origin(112.9, 28.1, 0.005, 0.005),
    ) as dst:
        dst.write(np.full((20, 40), -9999.0, dtype=np.float32), 1)
    return path


@pytest.mark.parametrize(
    ("source", "named", "english"),
    [
        # a GeoTIFF of another province: the file named, in the reader's language
        ("outside.tif", "outside.tif", "does not overlap the city's analysis cells"),
        # a point grid without the population column: the column named
        ("grid.csv", "'population'", "grid.csv: no column 'population'"),
        # a GIS grid that GDAL cannot read
        ("grid.gpkg", "grid.gpkg", "cannot read grid.gpkg"),
    ],
)
def test_a_refused_file_is_worded_by_the_catalogue(
    surface: Session, tmp_path: Path, source: str, named: str, english: str
) -> None:
    path = tmp_path / source
    if source.endswith(".tif"):
        _empty(path)
    elif source.endswith(".csv"):
        path.write_text("lon,lat,people\n112.95,28.05,10\n", encoding="utf-8")
    else:
        path.write_text("not a GeoPackage", encoding="utf-8")
    kind = {"raster": path} if source.endswith(".tif") else {"points": path}

    with pytest.raises(PopulationError) as caught:
        population_files.import_population(surface, CITY, **kind)

    refusal = caught.value
    assert refusal.key is not None
    assert named in str(refusal)
    assert re.search("[\u4e00-\u9fff]", str(refusal))
    assert english_sentences(str(refusal)) == []
    assert english in refusal.localized("en")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_command_says_what_was_refused_in_the_readers_language(
    surface: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    @contextmanager
    def test_session() -> Iterator[Session]:
        yield surface

    monkeypatch.setattr("app.cli.population.open_session", test_session)
    monkeypatch.setenv("FPLAN_LANG", lang)
    reader_lang.cache_clear()
    tif = _empty(tmp_path / "outside.tif")
    try:
        result = CliRunner().invoke(
            app, ["population", "import", "--raster", str(tif), "--city", CITY]
        )
    finally:
        reader_lang.cache_clear()

    assert result.exit_code == 2
    said = " ".join(result.output.split())
    # nothing imported, and why: the file named, in the reader's language
    assert messages.text("cli.nothing_imported", lang) in said
    assert messages.text("input.population.raster_outside", lang, name="outside.tif") in said
    if lang == "zh":
        assert english_sentences(said) == []
