"""Registers from Excel and CSV: Chinese headers and values, GBK or UTF-8, all or nothing."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.db.models import Facility
from app.errors import InvalidInputError
from app.services.reference import load_hunan
from app.services.register import import_register, parse_column_map
from app.services.register_terms import TYPE_NAMES, column_code, value_code
from geo import messages
from geo.datum import gcj02_to_wgs84
from geo.terms import FacilityType

HEADER = ["机构名称", "机构类型", "经度", "纬度", "床位数", "医院等级", "性质"]
# GCJ-02 points in Changsha (as Amap gives them)
ROWS = [
    ["岳麓区测试医院", "综合医院", 112.9387, 28.2312, 300, "三甲", "公立"],
    ["芙蓉区测试社区中心", "社区卫生服务中心", 113.0324, 28.1936, 20, "", "公办"],
    ["开福区测试卫生室", "村卫生室", 112.9862, 28.3001, "", "", "民营"],
    ["雨花区测试急救站", "急救站", 113.0412, 28.1357, "", "未定级", ""],
]


@pytest.fixture(scope="module")
def hunan(engine: Engine) -> Iterator[Session]:
    """Hunan's regions loaded once for the module (the shipped tables), rolled back at the end."""
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as session:
            load_hunan(session, None)
            yield session
        outer.rollback()


@pytest.fixture
def session(hunan: Session) -> Iterator[Session]:
    """One test's writes in a savepoint of the module's transaction."""
    savepoint = hunan.begin_nested()
    yield hunan
    savepoint.rollback()
    hunan.expire_all()


def _write_csv(path: Path, rows: list[list[object]], encoding: str) -> Path:
    lines = [",".join(HEADER)] + [",".join(str(c) for c in row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append([None if c == "" else c for c in row])
    book.save(path)
    return path


def _facilities(session: Session, source: str) -> list[tuple[object, ...]]:
    rows = session.execute(
        select(
            Facility.external_id,
            Facility.name,
            Facility.type,
            Facility.beds,
            Facility.grade,
            Facility.ownership,
            Facility.region_adcode,
            Facility.geom.ST_X(),
            Facility.geom.ST_Y(),
        )
        .where(Facility.source == source)
        .order_by(Facility.external_id)
    ).all()
    return [tuple(r) for r in rows]


def test_gbk_csv_utf8_bom_csv_and_xlsx_import_identically(session: Session, tmp_path: Path) -> None:
    gbk = _write_csv(tmp_path / "名录_gbk.csv", ROWS, "gbk")
    bom = _write_csv(tmp_path / "名录_bom.csv", ROWS, "utf-8-sig")
    xlsx = _write_xlsx(tmp_path / "名录.xlsx", ROWS)

    results = [
        import_register(session, p, crs="gcj02", city_adcode="430100") for p in (gbk, bom, xlsx)
    ]

    assert [r.result.imported for r in results] == [4, 4, 4]
    stored = [_facilities(session, p.name) for p in (gbk, bom, xlsx)]
    assert stored[0] == stored[1] == stored[2]
    by_name = {row[1]: row for row in stored[0]}
    assert by_name["岳麓区测试医院"][2:6] == ("general_hospital", 300, "tertiary", "public")
    assert by_name["芙蓉区测试社区中心"][2:6] == ("community_health_center", 20, None, "public")
    assert by_name["开福区测试卫生室"][2:6] == ("village_clinic", None, None, "private")
    assert by_name["雨花区测试急救站"][2:6] == ("ems_station", None, "none", None)
    # the GCJ-02 input stored as WGS84, to the last bit of the conversion
    lon, lat = gcj02_to_wgs84(112.9387, 28.2312)
    assert by_name["岳麓区测试医院"][7:] == pytest.approx((lon, lat), abs=1e-9)
    assert results[0].types == [
        "community_health_center",
        "ems_station",
        "general_hospital",
        "village_clinic",
    ]
    assert results[0].cities == ["430100"]


def test_one_bad_row_rejects_the_file_naming_every_bad_row(
    session: Session, tmp_path: Path
) -> None:
    rows = [
        *ROWS,
        ["坏行一", "诊所甲", 112.95, 28.2, "", "", ""],
        ["坏行二", "综合医院", "", 28.2, -3, "", ""],
    ]
    for path in (
        _write_csv(tmp_path / "bad.csv", rows, "gbk"),
        _write_xlsx(tmp_path / "bad.xlsx", rows),
    ):
        with pytest.raises(InvalidInputError) as caught:
            import_register(session, path, crs="gcj02")
        problems = {(d["row"], d["field"]) for d in caught.value.details}
        assert problems == {(5, "type"), (6, "lon"), (6, "beds")}
        assert "nothing was imported" in caught.value.message
        assert _facilities(session, path.name) == []


def test_a_register_replaces_the_synthetic_facilities_of_its_types(
    session: Session, tmp_path: Path
) -> None:
    lon, lat = gcj02_to_wgs84(112.99, 28.30)
    for name, kind in (("模拟卫生室", "village_clinic"), ("模拟医院", "general_hospital")):
        session.add(
            Facility(
                name=name,
                type=kind,
                source="synthetic",
                region_adcode="430105",
                geom=f"SRID=4326;POINT({lon} {lat})",
            )
        )
    session.flush()
    clinics = _write_csv(tmp_path / "卫生室.csv", [ROWS[2]], "utf-8")

    done = import_register(session, clinics, crs="gcj02")

    assert done.replaced == {"village_clinic": 1}
    left = session.scalars(select(Facility.name).where(Facility.source == "synthetic")).all()
    assert "模拟卫生室" not in left
    assert "模拟医院" in left


def test_own_headers_through_a_column_map(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text(
        "医院名字,种类,X坐标,Y坐标\n自定义医院,中医院,112.9387,28.2312\n", encoding="utf-8"
    )
    columns = parse_column_map("医院名字=name, 种类=type, X坐标=lon, Y坐标=lat")

    done = import_register(session, path, crs="gcj02", columns=columns)

    assert done.result.imported == 1
    assert _facilities(session, "own.csv")[0][1:3] == ("自定义医院", "tcm_hospital")


def test_the_terms_table_covers_the_vocabulary_and_matches_the_map() -> None:
    assert set(TYPE_NAMES) == set(FacilityType)
    for kind, name in TYPE_NAMES.items():
        # the label the map and the reports show (the catalogue's) reads back as the type
        assert value_code("type", messages.text(f"facility_type.{kind.value}", "zh")) == kind.value
        assert value_code("type", name) == kind.value
        assert value_code("type", kind.value) == kind.value
    assert column_code(" 经度 ") == "lon"
    assert column_code("床位数") == "beds"
    assert value_code("grade", "三级甲等") == "tertiary"
    assert value_code("type", "不认识") == "不认识"
