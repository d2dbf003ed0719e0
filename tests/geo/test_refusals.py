"""geo's refusals of a planner's inputs come from the message catalogue.

Every ``raise`` of a ``geo`` error outside ``geo/norms`` is worded (``X.worded(key, field=…)``)
or is an internal invariant on the commented allow-list below, raised as a plain ``GeoError``
(never an ``InputError``, so a defect of ours is not presented as the reader's fault). Each
module's representative refusal reads as Chinese by default, names the input at fault, and
reads as English on request.
"""

import ast
import re
import string
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

import geo
import geo.errors
from geo import messages
from geo.access.coverage import compute_coverage
from geo.access.isochrones import merged_isochrone
from geo.access.points import points_xy
from geo.datum import to_wgs84
from geo.demo.city import prepare_city
from geo.demo.inventory import get_inventory
from geo.errors import GeoError, InputError
from geo.network import network_from_arrays
from geo.network.edges import network_from_lines
from geo.network.readers import read_network
from geo.network.snap import snap_xy
from geo.network.speeds import travel_model
from geo.population.points import read_points
from geo.population.raster import raster_cell_sums
from geo.synthetic.roads import generate_road_arrays
from tests._english import english_sentences

GEO = Path(geo.__file__).parent
HAN = re.compile("[\u4e00-\u9fff]")
ERRORS = {
    name: cls
    for name, cls in vars(geo.errors).items()
    if isinstance(cls, type) and issubclass(cls, GeoError)
}

# internal invariants: raised with their own English text as a plain GeoError (a 500 "ours to
# fix"), each a defect of a caller inside the code base or of a file shipped with the package
ALLOWED_BARE: dict[tuple[str, str], str] = {
    # a travel model built for another mode than the graph asked for: the caller pairs them
    ("network/core.py", "mode_graph"): "the caller's pairing of model and mode",
    # the arrays come from our own readers, already checked
    ("network/core.py", "assemble_network"): "arrays from our readers",
    # the context extends itself by one site: the caller passes its own sites back
    ("access/context.py", "with_site"): "the caller's own sites",
    # the baseline and the site numbering are the caller's own
    ("access/incremental.py", "_check_inputs"): "the caller's baseline and numbering",
    # the inventories ship with the package: their defects are their author's
    ("demo/inventory.py", "parse_inventory"): "a shipped inventory's figures",
    ("demo/inventory.py", "load_per_unit_hospitals"): "a shipped file's citation",
    ("demo/inventory.py", "_check_citations"): "a shipped file's quote",
}


def _raises(path: Path) -> list[tuple[str, int, str, ast.Call]]:
    """(function, line, error class, call) of every ``raise <geo error>…(…)`` of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = child.name if isinstance(child, ast.FunctionDef) else function
            if isinstance(child, ast.Raise) and isinstance(child.exc, ast.Call):
                func = child.exc.func
                target = func.value if isinstance(func, ast.Attribute) else func
                if isinstance(target, ast.Name) and target.id in ERRORS:
                    found.append((name, child.lineno, target.id, child.exc))
            visit(child, name)

    visit(tree, "")
    return found


def _bare_raises(root: Path) -> list[tuple[str, str, int, str]]:
    """(module, function, line, class) of the raises of geo errors not worded by a key."""
    bare = []
    for path in sorted(root.rglob("*.py")):
        module = path.relative_to(root).as_posix()
        if module.startswith("norms/"):
            continue
        for function, line, cls, call in _raises(path):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "worded"):
                bare.append((module, function, line, cls))
    return bare


def _keys(key: ast.expr, catalogue: dict[str, str]) -> list[str]:
    """The catalogue keys a ``worded`` call may use: its literal, or those its f-string fits."""
    if isinstance(key, ast.Constant):
        assert key.value in catalogue, key.value
        return [key.value]
    assert isinstance(key, ast.JoinedStr), ast.unparse(key)
    pattern = "".join(
        re.escape(part.value) if isinstance(part, ast.Constant) else "[a-z_]+"
        for part in key.values
    )
    fits = [k for k in catalogue if re.fullmatch(pattern, k)]
    assert fits, pattern
    return fits


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_refusal_outside_the_norms_is_worded_or_an_internal_invariant() -> None:
    bare = _bare_raises(GEO)

    assert [b for b in bare if (b[0], b[1]) not in ALLOWED_BARE] == []
    # the invariants are plain GeoErrors: never presented as the reader's fault
    assert {cls for *_, cls in bare} == {"GeoError"}
    # the allow-list holds no stale entry
    assert {(module, function) for module, function, *_ in bare} == set(ALLOWED_BARE)


def test_the_check_finds_a_bare_refusal(tmp_path: Path) -> None:
    (tmp_path / "probe.py").write_text(
        "from geo.errors import GeoError, InputError, PopulationError\n"
        "def read(x):\n"
        "    if x < 0:\n"
        "        raise PopulationError.worded('input.common.minutes', field='x', value=x)\n"
        "    if x > 9:\n"
        "        msg = 'too big'\n"
        "        raise InputError(msg)\n"
        "    raise GeoError('a defect')\n",
        encoding="utf-8",
    )

    assert _bare_raises(tmp_path) == [
        ("probe.py", "read", 7, "InputError"),
        ("probe.py", "read", 8, "GeoError"),
    ]


def test_every_worded_refusal_has_its_key_and_fields_in_both_catalogues() -> None:
    zh, en = messages.catalogue("zh"), messages.catalogue("en")
    seen = 0
    for path in sorted(GEO.rglob("*.py")):
        if "norms" in path.relative_to(GEO).parts:
            continue
        for _, line, _, call in _raises(path):
            if not (isinstance(call.func, ast.Attribute) and call.func.attr == "worded"):
                continue
            seen += 1
            given = {k.arg for k in call.keywords}
            assert "field" in given, (path.name, line)
            for catalogue in (zh, en):
                for key in _keys(call.args[0], catalogue):
                    # every field the sentence shows is given by the raise
                    assert _fields(catalogue[key]) <= given, (path.name, line, key)
    assert seen > 150


def test_the_input_sentences_read_as_chinese_and_english() -> None:
    zh, en = messages.catalogue("zh"), messages.catalogue("en")
    keys = sorted(k for k in zh if k.startswith("input."))

    assert len(keys) > 80
    assert keys == sorted(k for k in en if k.startswith("input."))
    for key in keys:
        assert HAN.search(zh[key]), key
        assert not HAN.search(en[key]), key


# ---- a representative refusal of each module, as a planner meets it


def _lines_file(path: Path, geometry: list[object], crs: str | None = "EPSG:4326") -> Path:
    gpd.GeoDataFrame({"name": ["a"] * len(geometry)}, geometry=geometry, crs=crs).to_file(path)
    return path


def _empty_roads(tmp: Path) -> None:
    # a GeoPackage of points only: no road line to build a network from
    network_from_lines(gpd.read_file(_lines_file(tmp / "roads.gpkg", [shapely.Point(112.9, 28.2)])))


def _roads_without_speed(tmp: Path) -> None:
    line = shapely.LineString([(112.9, 28.2), (112.91, 28.21)])
    roads = gpd.read_file(_lines_file(tmp / "roads.gpkg", [line]))
    network_from_lines(roads, speed_column="speed_kph")


def _roads_without_crs(tmp: Path) -> None:
    line = shapely.LineString([(112.9, 28.2), (112.91, 28.21)])
    network_from_lines(gpd.GeoDataFrame({"name": ["a"]}, geometry=[line], crs=None))


def _unsupported_network(tmp: Path) -> None:
    path = tmp / "roads.dxf"
    path.write_text("0\nSECTION\n")
    read_network(path)


def _unreadable_pbf(tmp: Path) -> None:
    path = tmp / "roads.osm.pbf"
    path.write_bytes(b"\x00\x00\x00\x0dnot a header at all")
    read_network(path)


def _tiff(path: Path, west_deg: float, north_deg: float, crs: str | None = "EPSG:4326") -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=4,
        width=4,
        count=1,
        dtype="float32",
        crs=crs,
        transform=from_origin(west_deg, north_deg, 0.01, 0.01),
    ) as dst:
        dst.write(np.ones((4, 4), dtype=np.float32), 1)
    return path


def _cells() -> gpd.GeoDataFrame:
    # two 1 km cells in central Changsha (UTM 49N)
    boxes = [shapely.box(690_000, 3_120_000, 691_000, 3_121_000)]
    boxes.append(shapely.box(691_000, 3_120_000, 692_000, 3_121_000))
    return gpd.GeoDataFrame({"region_adcode": ["430102", "430102"]}, geometry=boxes, crs=32649)


def _raster_outside_the_city(tmp: Path) -> None:
    # a GeoTIFF over Yunnan, not over the Changsha cells
    raster_cell_sums(_tiff(tmp / "worldpop.tif", 100.0, 25.0), _cells())


def _raster_band(tmp: Path) -> None:
    raster_cell_sums(_tiff(tmp / "worldpop.tif", 112.9, 28.3), _cells(), band=2)


def _grid_without_population(tmp: Path) -> None:
    path = tmp / "grid.csv"
    path.write_text("lon,lat,people\n112.95,28.2,10\n", encoding="utf-8")
    read_points(path, weight_column="population")


def _grid_with_negative_people(tmp: Path) -> None:
    path = tmp / "grid.csv"
    path.write_text("lon,lat,population\n112.95,28.2,10\n112.96,28.2,-3\n", encoding="utf-8")
    read_points(path, weight_column="population")


def _negative_minutes(tmp: Path) -> None:
    net = network_from_arrays([0.0, 100.0], [0.0, 0.0], [0], [1], ["residential"], crs="EPSG:32649")
    compute_coverage(net, [0], [1], [10.0], mode="drive", minutes=-5)


def _isochrone_minutes(tmp: Path) -> None:
    from geo.access.coverage import nearest_facility

    net = network_from_arrays([0.0, 100.0], [0.0, 0.0], [0], [1], ["residential"], crs="EPSG:32649")
    merged_isochrone(net, nearest_facility(net, [0], mode="drive"), minutes=float("nan"))


def _unknown_mode(tmp: Path) -> None:
    travel_model("bicycle")


def _bad_snap_limit(tmp: Path) -> None:
    net = network_from_arrays([0.0, 100.0], [0.0, 0.0], [0], [1], ["residential"], crs="EPSG:32649")
    snap_xy(net, [0.0], [0.0], mode="drive", max_snap_m=-1.0)


def _unfinite_points(tmp: Path) -> None:
    points_xy([0.0, np.nan], [0.0, 1.0])


def _unknown_datum(tmp: Path) -> None:
    to_wgs84(112.9, 28.2, crs="cgcs2000")


def _boundary_in_degrees(tmp: Path) -> None:
    generate_road_arrays(shapely.box(112.9, 28.1, 113.0, 28.2), target_nodes=1000)


def _city_without_cells(tmp: Path) -> None:
    cells = gpd.GeoDataFrame(
        {"region_adcode": [], "population": [], "urban": []}, geometry=[], crs=32649
    )
    regions = gpd.GeoDataFrame({"adcode": [], "name": [], "level": [], "population": []})
    prepare_city(cells, regions)


def _city_without_inventory(tmp: Path) -> None:
    get_inventory("999999")


# (case, call, error class, what the Chinese names, what the English says)
REFUSALS: list[tuple[str, Callable[[Path], None], type[GeoError], str, str]] = [
    ("roads: no line", _empty_roads, InputError, "LineString", "hold no line"),
    ("roads: --speed-column", _roads_without_speed, InputError, "speed_column", "'speed_kph'"),
    ("roads: no CRS", _roads_without_crs, InputError, "坐标系", "no CRS"),
    ("network file", _unsupported_network, InputError, "roads.dxf", "unsupported network format"),
    ("unreadable PBF", _unreadable_pbf, InputError, "roads.osm.pbf", "not a readable"),
    ("raster outside", _raster_outside_the_city, InputError, "worldpop.tif", "does not overlap"),
    ("raster band", _raster_band, InputError, "band", "no band 2"),
    ("grid column", _grid_without_population, InputError, "'population'", "no column"),
    ("grid row", _grid_with_negative_people, InputError, "第 3 行", "line 3"),
    ("coverage minutes", _negative_minutes, InputError, "minutes", "got -5"),
    ("isochrone minutes", _isochrone_minutes, InputError, "minutes", "got nan"),
    ("travel mode", _unknown_mode, InputError, "'bicycle'", "unknown value 'bicycle'"),
    ("snap limit", _bad_snap_limit, InputError, "max_snap_m", "metres >= 0, got -1.0"),
    ("points", _unfinite_points, InputError, "x", "finite coordinates"),
    ("datum", _unknown_datum, InputError, "'cgcs2000'", "wgs84 / gcj02 / bd09"),
    ("synthetic boundary", _boundary_in_degrees, InputError, "boundary", "degrees"),
    ("demo cells", _city_without_cells, InputError, "cells", "needs population cells"),
    ("demo inventory", _city_without_inventory, InputError, "'999999'", "no inventory"),
]


@pytest.mark.parametrize(
    ("call", "error", "named", "english"),
    [r[1:] for r in REFUSALS],
    ids=[r[0] for r in REFUSALS],
)
def test_a_refusal_names_its_input_in_chinese_and_in_english(
    tmp_path: Path,
    call: Callable[[Path], None],
    error: type[GeoError],
    named: str,
    english: str,
) -> None:
    with pytest.raises(error) as caught:
        call(tmp_path)
    refusal = caught.value
    assert refusal.key is not None
    assert refusal.key.startswith("input.")
    # the error's own text is the catalogue's Chinese, naming the input, with no English sentence
    chinese = str(refusal)
    assert chinese == refusal.localized("zh")
    assert HAN.search(chinese)
    assert named in chinese
    assert english_sentences(chinese) == []
    # the same refusal in English, with no Chinese left in it
    assert english in refusal.localized("en")
    assert not HAN.search(refusal.localized("en"))
