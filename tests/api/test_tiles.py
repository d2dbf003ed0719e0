"""``GET /api/v1/tiles/{layer}/{z}/{x}/{y}.pbf``: vector tiles on a hand-built city.

The tiles are decoded here with a small reader of the Mapbox Vector Tile format (protobuf,
spec 2.1), so the tests check what a map would draw: layers, features, ids, properties and
positions. Expected tile positions come from the Web Mercator formulas, independently of PostGIS.
"""

import math
import struct
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.deps import get_session
from app.db.models import Facility, PopulationCell, RoadEdge, RoadNetwork
from app.main import create_app
from app.runtime._lru import ENTRY_OVERHEAD_BYTES
from app.services.tiles import (
    CELLS_MIN_ZOOM,
    EXTENT,
    MEDIA_TYPE,
    MINOR_ROAD_ZOOM,
    TileCache,
    road_classes,
)
from app.settings import Settings

TILES = "/api/v1/tiles"
CITY = "439900"
# the tiny city's squares span 112.9–113.1 E, 28.0–28.1 N (tests/conftest.py)
LON, LAT = 113.05, 28.05


# ---- a small Mapbox Vector Tile reader (github.com/mapbox/vector-tile-spec, version 2.1)


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = buf[i]
        i += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, i
        shift += 7


def _fields(buf: bytes) -> list[tuple[int, Any]]:
    out: list[tuple[int, Any]] = []
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            size, i = _varint(buf, i)
            value, i = buf[i : i + size], i + size
        elif wire == 1:
            value, i = struct.unpack("<d", buf[i : i + 8])[0], i + 8
        elif wire == 5:
            value, i = struct.unpack("<f", buf[i : i + 4])[0], i + 4
        else:
            raise AssertionError(f"unexpected wire type {wire}")
        out.append((field, value))
    return out


def _packed(buf: bytes) -> list[int]:
    values, i = [], 0
    while i < len(buf):
        value, i = _varint(buf, i)
        values.append(value)
    return values


def _zigzag(n: int) -> int:
    return (n >> 1) ^ -(n & 1)


def _value(buf: bytes) -> Any:
    field, value = _fields(buf)[0]
    if field == 1:
        return value.decode()
    if field == 4 and value >= 2**63:
        return value - 2**64
    if field == 6:
        return _zigzag(value)
    if field == 7:
        return bool(value)
    return value


def _geometry(commands: list[int]) -> list[list[tuple[int, int]]]:
    parts: list[list[tuple[int, int]]] = []
    x = y = i = 0
    while i < len(commands):
        command, count = commands[i] & 7, commands[i] >> 3
        i += 1
        if command == 7:  # ClosePath
            parts[-1].append(parts[-1][0])
            continue
        for _ in range(count):
            x += _zigzag(commands[i])
            y += _zigzag(commands[i + 1])
            i += 2
            if command == 1:  # MoveTo starts a part
                parts.append([])
            parts[-1].append((x, y))
    return parts


def decode(data: bytes) -> dict[str, list[dict[str, Any]]]:
    """Layer name → features, each with ``id``, ``type``, ``properties`` and ``parts``."""
    layers: dict[str, list[dict[str, Any]]] = {}
    for field, layer_buf in _fields(data):
        assert field == 3
        fields = _fields(layer_buf)
        name = next(v.decode() for f, v in fields if f == 1)
        keys = [v.decode() for f, v in fields if f == 3]
        values = [_value(v) for f, v in fields if f == 4]
        assert next(v for f, v in fields if f == 5) == EXTENT
        features = []
        for feature_buf in (v for f, v in fields if f == 2):
            parts = dict(_fields(feature_buf))
            tags = _packed(parts.get(2, b""))
            features.append(
                {
                    "id": parts.get(1),
                    "type": parts.get(3),
                    "properties": {
                        keys[k]: values[v] for k, v in zip(tags[::2], tags[1::2], strict=True)
                    },
                    "parts": _geometry(_packed(parts.get(4, b""))),
                }
            )
        layers[name] = features
    return layers


# ---- Web Mercator, for expected positions


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def position_in_tile(lon: float, lat: float, z: int, x: int, y: int) -> tuple[int, int]:
    n = 2**z
    px = ((lon + 180) / 360 * n - x) * EXTENT
    py = ((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n - y) * EXTENT
    return round(px), round(py)


def get_tile(
    client: TestClient, layer: str, z: int, lon: float = LON, lat: float = LAT, **kw: Any
) -> httpx.Response:
    x, y = tile_of(lon, lat, z)
    response: httpx.Response = client.get(f"{TILES}/{layer}/{z}/{x}/{y}.pbf", **kw)
    return response


# ---- data


def add_network(db_session: Session) -> RoadNetwork:
    """Four nodes on 28.05 N, in one z13 tile: a two-way residential street (both directions
    stored), a one-way primary road and a two-way motorway."""
    network = RoadNetwork(
        city_adcode=CITY,
        name="tiny",
        source="synthetic",
        synthetic=True,
        crs="EPSG:32649",
        n_nodes=4,
        n_edges=5,
        params={},
    )
    db_session.add(network)
    db_session.flush()
    lons = [113.035, 113.045, 113.055, 113.065]
    edges = [(0, 1, "residential", False), (1, 0, "residential", False)]
    edges += [(1, 2, "primary", True), (2, 3, "motorway", False), (3, 2, "motorway", False)]
    for idx, (u, v, highway, oneway) in enumerate(edges):
        db_session.add(
            RoadEdge(
                network_id=network.id,
                idx=idx,
                u=u,
                v=v,
                way_id=idx,
                highway=highway,
                oneway=oneway,
                length_m=1950.0,
                access=3,
                # the motorway generated, the other roads from a file
                source="synthetic" if highway == "motorway" else "tiny.gpkg",
                geom=f"SRID=4326;LINESTRING({lons[u]} {LAT}, {lons[v]} {LAT})",
            )
        )
    db_session.flush()
    return network


def add_facility(db_session: Session, name: str, *, source: str, lon: float = LON) -> Facility:
    facility = Facility(
        name=name,
        type="general_hospital",
        source=source,
        region_adcode="439901",
        geom=f"SRID=4326;POINT({lon} {LAT})",
    )
    db_session.add(facility)
    db_session.flush()
    return facility


# ---- validation


@pytest.mark.usefixtures("tiny_city")
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("roads/23/0/0.pbf", "z"),
        ("roads/-1/0/0.pbf", "z"),
        ("roads/1/2/0.pbf", "x"),
        ("roads/1/0/2.pbf", "y"),
        ("roads/0/0/1.pbf", "y"),
        ("roads/3/a/0.pbf", "x"),
        ("roads/3/0/0.pbf?city=4399", "city"),
    ],
)
def test_out_of_range_tile_is_422_naming_the_parameter(
    client: TestClient, path: str, field: str
) -> None:
    response = client.get(f"{TILES}/{path}")
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert [d["field"] for d in error["details"]] == [field]


@pytest.mark.usefixtures("tiny_city")
def test_unknown_layer_and_city_are_404(client: TestClient) -> None:
    response = client.get(f"{TILES}/rivers/0/0/0.pbf")
    assert response.status_code == 404
    assert "roads, regions, facilities, cells" in response.json()["error"]["message"]
    response = client.get(f"{TILES}/regions/0/0/0.pbf", params={"city": "439999"})
    assert response.status_code == 404
    assert response.json()["error"]["details"][0]["field"] == "city"


# ---- layers


@pytest.mark.usefixtures("tiny_city")
def test_regions_tile_carries_units_with_adcode_ids(client: TestClient) -> None:
    response = get_tile(client, "regions", 8, params={"city": CITY})
    assert response.status_code == 200
    assert response.headers["content-type"] == MEDIA_TYPE
    features = decode(response.content)["regions"]
    by_id = {f["id"]: f["properties"] for f in features}
    assert set(by_id) == {439901, 439902}
    assert by_id[439901] == {
        "adcode": "439901",
        "name": "东区",
        "level": "district",
        "city_adcode": CITY,
        "population": 100_000,
    }
    # a unit stands for itself
    only = decode(get_tile(client, "regions", 8, params={"city": "439902"}).content)["regions"]
    assert [f["id"] for f in only] == [439902]


@pytest.mark.usefixtures("tiny_city")
def test_region_corner_lands_where_web_mercator_puts_it(client: TestClient) -> None:
    z = 12
    x, y = tile_of(113.0, 28.1, z)
    features = decode(client.get(f"{TILES}/regions/{z}/{x}/{y}.pbf").content)["regions"]
    east = next(f for f in features if f["id"] == 439901)
    corner = position_in_tile(113.0, 28.1, z, x, y)
    assert corner in east["parts"][0]


@pytest.mark.usefixtures("tiny_city")
def test_roads_are_drawn_once_per_street_and_by_class_with_zoom(
    client: TestClient, db_session: Session
) -> None:
    add_network(db_session)
    near = decode(get_tile(client, "roads", MINOR_ROAD_ZOOM, params={"city": CITY}).content)
    lines = {f["properties"]["highway"]: f for f in near["roads"]}
    assert set(lines) == {"residential", "primary", "motorway"}
    # the street stored in both directions is one two-point line, not two overlapping ones
    z = MINOR_ROAD_ZOOM
    x, y = tile_of(LON, LAT, z)
    street = [position_in_tile(lon, LAT, z, x, y) for lon in (113.035, 113.045)]
    assert lines["residential"]["parts"] in ([street], [street[::-1]])
    assert lines["residential"]["properties"]["oneway"] is False
    assert lines["primary"]["properties"]["oneway"] is True
    # every line says whether it is a real road or a generated one
    assert lines["residential"]["properties"]["synthetic"] is False
    assert lines["motorway"]["properties"]["synthetic"] is True
    # at z8 the residential street is left out, the primary and the motorway stay
    far = decode(get_tile(client, "roads", 8, params={"city": CITY}).content)
    assert {f["properties"]["highway"] for f in far["roads"]} == {"primary", "motorway"}


def test_road_classes_by_zoom() -> None:
    assert road_classes(0) == ["motorway", "trunk", "motorway_link", "trunk_link"]
    assert "secondary" not in (road_classes(8) or [])
    assert "secondary" in (road_classes(9) or [])
    assert "tertiary_link" in (road_classes(11) or [])
    assert road_classes(MINOR_ROAD_ZOOM) is None


@pytest.mark.usefixtures("tiny_city")
def test_facilities_tile_tells_real_from_synthetic(client: TestClient, db_session: Session) -> None:
    real = add_facility(db_session, "人民医院", source="real")
    made = add_facility(db_session, "合成医院", source="synthetic", lon=113.06)
    z = 14
    x, y = tile_of(LON, LAT, z)
    response = client.get(f"{TILES}/facilities/{z}/{x}/{y}.pbf", params={"city": CITY})
    features = {f["id"]: f for f in decode(response.content)["facilities"]}
    assert set(features) == {real.id, made.id}
    assert features[real.id]["properties"]["synthetic"] is False
    assert features[real.id]["properties"]["name"] == "人民医院"
    assert features[made.id]["properties"]["synthetic"] is True
    assert features[made.id]["properties"]["source"] == "synthetic"
    assert features[real.id]["parts"] == [[position_in_tile(LON, LAT, z, x, y)]]


@pytest.mark.usefixtures("tiny_city")
def test_cells_are_cut_from_z10_only(client: TestClient, db_session: Session) -> None:
    db_session.add(
        PopulationCell(
            city_adcode=CITY,
            region_adcode="439901",
            population=1234,
            area_km2=1.0,
            density_per_km2=1234.0,
            settlement_class="urban_cluster",
            urban=True,
            road_length_m=0.0,
            synthetic=True,
            geom="SRID=4326;MULTIPOLYGON(((113.04 28.04,113.05 28.04,113.05 28.05,113.04 28.04)))",
            centroid="SRID=4326;POINT(113.045 28.045)",
        )
    )
    db_session.flush()
    below = get_tile(client, "cells", CELLS_MIN_ZOOM - 1, lon=113.045, lat=28.045)
    assert below.status_code == 204
    at = get_tile(client, "cells", CELLS_MIN_ZOOM, lon=113.045, lat=28.045)
    cells = decode(at.content)["cells"]
    assert [c["properties"]["population"] for c in cells] == [1234]


@pytest.mark.usefixtures("tiny_city")
def test_empty_tile_is_204(client: TestClient) -> None:
    # a tile over the Atlantic
    response = client.get(f"{TILES}/regions/6/20/20.pbf")
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["ETag"]


# ---- caching


@pytest.mark.usefixtures("tiny_city")
def test_tiles_are_cached_revalidated_and_renewed_when_data_change(
    client: TestClient, db_session: Session
) -> None:
    facility = add_facility(db_session, "旧名", source="real")
    cache: TileCache = client.app.state.tile_cache  # type: ignore[attr-defined]
    first = get_tile(client, "facilities", 12, params={"city": CITY})
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    hits = cache.hits
    second = get_tile(client, "facilities", 12, params={"city": CITY})
    assert (second.content, second.headers["ETag"]) == (first.content, etag)
    assert cache.hits == hits + 1
    unchanged = get_tile(
        client, "facilities", 12, params={"city": CITY}, headers={"If-None-Match": etag}
    )
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    facility.name = "新名"
    db_session.flush()
    renewed = get_tile(
        client, "facilities", 12, params={"city": CITY}, headers={"If-None-Match": etag}
    )
    assert renewed.status_code == 200
    assert renewed.headers["ETag"] != etag
    names = [f["properties"]["name"] for f in decode(renewed.content)["facilities"]]
    assert names == ["新名"]


def test_cache_drops_least_recently_used_tiles_beyond_its_size() -> None:
    entry = 4 + ENTRY_OVERHEAD_BYTES
    cache = TileCache(max_bytes=2 * entry + 2)
    cache.put(("a",), b"1234")
    cache.put(("b",), b"5678")
    assert cache.get(("a",)) == b"1234"  # a is now the most recently used
    cache.put(("c",), b"90ab")
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) == b"1234"
    assert cache.size_bytes == 2 * entry
    cache.put(("big",), b"x" * (2 * entry + 3))  # larger than the whole cache: not kept
    assert cache.get(("big",)) is None
    assert len(cache) == 2


def test_thirty_thousand_empty_tiles_stay_within_the_bounds() -> None:
    # empty tiles used to cost nothing in the accounting and were never evicted
    cache = TileCache(max_bytes=1024 * 1024, max_entries=1000)
    for i in range(30_000):
        cache.put((f"regions/14/{i}/0", None, "v1"), b"")
        assert len(cache) <= 1000
        assert cache.size_bytes <= 1024 * 1024
    assert len(cache) == 1000
    assert cache.size_bytes == 1000 * ENTRY_OVERHEAD_BYTES
    # the newest are kept, the oldest went first
    assert cache.get(("regions/14/29999/0", None, "v1")) == b""
    assert cache.get(("regions/14/0/0", None, "v1")) is None
    # the byte bound alone holds too: an entry is never free
    by_bytes = TileCache(max_bytes=100 * ENTRY_OVERHEAD_BYTES, max_entries=10**9)
    for i in range(30_000):
        by_bytes.put((str(i),), b"")
    assert len(by_bytes) == 100


@pytest.mark.usefixtures("tiny_city")
def test_distinct_empty_tiles_from_a_client_fill_the_cache_to_its_bounds_only(
    settings: Settings, db_session: Session
) -> None:
    app = create_app(settings.model_copy(update={"tile_cache_entries": 50}))
    app.dependency_overrides[get_session] = lambda: db_session
    cache: TileCache = app.state.tile_cache
    with TestClient(app) as client:
        # tiles over the ocean, each distinct, each empty
        for x in range(120):
            assert client.get(f"{TILES}/regions/10/{x}/400.pbf").status_code == 204
    assert len(cache) == 50
    assert cache.size_bytes == 50 * ENTRY_OVERHEAD_BYTES


@pytest.mark.usefixtures("tiny_city")
def test_if_none_match_is_compared_weakly_and_as_a_list(client: TestClient) -> None:
    first = get_tile(client, "regions", 8)
    etag = first.headers["ETag"]
    for header in (etag, f"W/{etag}", f'"other", W/{etag}', f'"x,y" , {etag}', "*"):
        again = get_tile(client, "regions", 8, headers={"If-None-Match": header})
        assert again.status_code == 304, header
    for header in ('"other"', 'W/"other", "x"', "garbage", etag.strip('"')):
        again = get_tile(client, "regions", 8, headers={"If-None-Match": header})
        assert again.status_code == 200, header
