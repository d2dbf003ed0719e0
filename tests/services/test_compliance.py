"""Compliance runs on the tiny prepared city: exact figures, stored runs, reuse and invalidation."""

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import EvaluationResult, EvaluationRun, Facility, PopulationCell
from app.errors import ConflictError, InvalidInputError, NotFoundError
from app.schemas.compliance import ComplianceReport
from app.services import compliance, coverage
from app.services import gaps as gap_service
from app.services.norms import NormCatalogues
from app.settings import Settings
from tests.fixtures.compliance_city import (
    CITY,
    EAST,
    WEST,
    add_cells,
    add_facilities,
    add_network,
    norms_in,
    tiny_norms,
)
from tests.fixtures.compliance_city import prepare as prepare_city

pytestmark = pytest.mark.usefixtures("tiny_city")


@pytest.fixture
def norms(tmp_path: Path) -> NormCatalogues:
    return tiny_norms(tmp_path)


@pytest.fixture
def facilities(db_session: Session, tiny_city: None) -> dict[str, Facility]:
    return prepare_city(db_session)


def figures(report: ComplianceReport) -> dict[tuple[str, str], tuple]:
    return {(r.rule_id, r.region_adcode): (r.value, r.passed, r.shortfall) for r in report.results}


@pytest.mark.usefixtures("facilities")
def test_every_rule_in_every_region_with_exact_figures(
    db_session: Session, settings: Settings, norms: NormCatalogues
) -> None:
    report = compliance.run_compliance(db_session, settings, CITY, norms=norms)

    assert (report.city, report.city_name, report.reused, report.synthetic) == (
        CITY,
        "测试市",
        False,
        False,
    )
    assert figures(report) == {
        # B (2,000 urban, 20.6 min) is beyond 15 minutes; C (3,000 rural, 17.7 min) within 30
        ("tiny.care_circle", CITY): (8500 / 10500, False, 2000.0),
        ("tiny.care_circle", EAST): (4000 / 6000, False, 2000.0),
        ("tiny.care_circle", WEST): (1.0, True, 0.0),
        # E (500 urban) is 5.9 km from the station, beyond the urban 5 km
        ("tiny.ems_radius", CITY): (10000 / 10500, False, 500.0),
        ("tiny.ems_radius", EAST): (1.0, True, 0.0),
        ("tiny.ems_radius", WEST): (4000 / 4500, False, 500.0),
        # the west county lies beyond 15 minutes of the ambulance
        ("tiny.ems_8km_15min", CITY): (6000 / 10500, False, 4500.0),
        ("tiny.ems_8km_15min", EAST): (1.0, True, 0.0),
        ("tiny.ems_8km_15min", WEST): (0.0, False, 4500.0),
        # the county counts 300%: 150,000 / 30,000 = 5 ambulances; the district 100,000 → 4;
        # the city at 100%: 150,000 residents → 5, beside 2 units short by 7 in all
        ("tiny.ambulance_fleet", CITY): (2.0, False, 3.0),
        ("tiny.ambulance_fleet", EAST): (2.0, False, 2.0),
        ("tiny.ambulance_fleet", WEST): (0.0, False, 5.0),
    }
    rows = {(r.rule_id, r.region_adcode): r for r in report.results}
    assert rows[("tiny.care_circle", EAST)].shortfall_text == (
        "2,000 residents beyond 15 minutes (urban) / 30 minutes (rural) by car from the nearest "
        "centre"
    )
    assert rows[("tiny.ambulance_fleet", WEST)].shortfall_text.startswith("needs 5 more ambulances")
    assert rows[("tiny.ambulance_fleet", CITY)].shortfall_text == (
        "needs 3 more ambulances (has 2 of 5 required); 2 county-level units short of its own "
        "base, gross shortfall 7 ambulances"
    )
    assert rows[("tiny.ambulance_fleet", CITY)].shortfall_text_zh == (
        "尚缺3辆救护车（现有2辆，所需5辆）；2个县市区未达本单位标准，缺口合计7辆"
    )
    assert rows[("tiny.ambulance_fleet", CITY)].status == "fail"
    assert (report.plan.plan_title_zh, report.plan.document_number) == (
        "小城卫生健康规划",
        "小政发〔2021〕1号",
    )
    assert report.counts == {"pass": 3, "fail": 9, "unknown": 0, "info": 0, "not_applicable": 0}
    assert [gap.rule_id for gap in report.data_gaps] == ["tiny.tcm_physicians"]
    citation = rows[("tiny.ems_radius", WEST)].citation
    assert (citation.document, citation.lines, citation.quote) == (
        "tiny_plan.txt",
        "L3",
        "急救站服务半径城市不超过5公里",
    )
    # the run is stored with its timings, the underserved cells kept per unit row
    run = db_session.get(EvaluationRun, report.run_id)
    assert run is not None
    assert run.n_results == 12
    assert {"network_s", "inputs_s", "snap_s", "evaluate_s", "persist_s", "total_s"} <= set(
        run.timings
    )
    gaps = db_session.scalars(
        select(EvaluationResult.gap_cell_ids).where(
            EvaluationResult.run_id == run.id,
            EvaluationResult.rule_id == "tiny.care_circle",
        )
    ).all()
    cell_b = db_session.scalar(select(PopulationCell.id).where(PopulationCell.population == 2000))
    assert gaps == [None, [cell_b], []]


@pytest.mark.usefixtures("facilities")
def test_a_second_check_reuses_the_stored_run(
    db_session: Session, settings: Settings, norms: NormCatalogues
) -> None:
    first = compliance.run_compliance(db_session, settings, CITY, norms=norms)
    second = compliance.run_compliance(db_session, settings, CITY, norms=norms)

    assert second.run_id == first.run_id
    assert second.reused is True
    assert second.results == first.results
    assert db_session.scalar(select(func.count()).select_from(EvaluationRun)) == 1


def test_changing_a_facility_makes_a_new_run(
    db_session: Session,
    settings: Settings,
    norms: NormCatalogues,
    facilities: dict[str, Facility],
) -> None:
    first = compliance.run_compliance(db_session, settings, CITY, norms=norms)

    facilities["station"].ambulances = 4
    db_session.flush()
    second = compliance.run_compliance(db_session, settings, CITY, norms=norms)

    assert second.run_id != first.run_id
    assert second.reused is False
    assert figures(second)[("tiny.ambulance_fleet", EAST)] == (4.0, True, 0.0)


@pytest.mark.usefixtures("facilities")
def test_changing_the_catalogue_makes_a_new_run(
    db_session: Session, settings: Settings, norms: NormCatalogues, tmp_path: Path
) -> None:
    first = compliance.run_compliance(db_session, settings, CITY, norms=norms)
    catalogue = tmp_path / "catalogue" / "tiny.yaml"
    catalogue.write_text(
        catalogue.read_text(encoding="utf-8").replace("radius_km: 8", "radius_km: 7"),
        encoding="utf-8",
    )
    edited = norms_in(tmp_path)

    second = compliance.run_compliance(db_session, settings, CITY, norms=edited)

    assert second.run_id != first.run_id


def test_an_unknown_city_names_the_loading_command(
    db_session: Session, settings: Settings, norms: NormCatalogues
) -> None:
    with pytest.raises(NotFoundError, match="fplan load hunan"):
        compliance.run_compliance(db_session, settings, "439999", norms=norms)


def test_a_city_without_a_plan_is_not_found(
    db_session: Session, settings: Settings, norms: NormCatalogues
) -> None:
    with pytest.raises(NotFoundError, match=r"no plan norms for city 439901.*439900"):
        compliance.run_compliance(db_session, settings, EAST, norms=norms)


def test_missing_network_cells_or_facilities_name_the_demo_command(
    db_session: Session, settings: Settings, norms: NormCatalogues
) -> None:
    hint = "run `fplan demo --city 439900`"
    with pytest.raises(ConflictError, match="no road network") as missing:
        compliance.run_compliance(db_session, settings, CITY, norms=norms)
    assert hint in missing.value.message

    network_id = add_network(db_session)
    with pytest.raises(ConflictError, match="no population cells") as missing:
        compliance.run_compliance(db_session, settings, CITY, norms=norms)
    assert hint in missing.value.message

    add_cells(db_session, network_id)
    with pytest.raises(ConflictError, match="no facilities") as missing:
        compliance.run_compliance(db_session, settings, CITY, norms=norms)
    assert hint in missing.value.message

    add_facilities(db_session)
    assert compliance.run_compliance(db_session, settings, CITY, norms=norms).results


@pytest.mark.usefixtures("facilities")
def test_gaps_are_the_underserved_cells_dissolved_per_unit(
    db_session: Session, settings: Settings, norms: NormCatalogues
) -> None:
    gaps = gap_service.gap_collection(
        db_session, settings, CITY, norms=norms, rule_id="tiny.ems_8km_15min"
    )

    # D and E, 8 cells apart, are two zones of the west county
    props = [(f.properties.region_adcode, f.properties.residents) for f in gaps.features]
    assert props == [(WEST, 4000), (WEST, 500)]
    feature = gaps.features[1]
    assert feature.geometry is not None
    assert feature.geometry.type == "Polygon"
    assert feature.properties.cells == 1
    assert feature.properties.region_passed is False
    assert feature.properties.citation.quote == "院前急救8公里15分钟"


@pytest.mark.usefixtures("facilities")
def test_gaps_of_a_non_spatial_rule_are_refused(
    db_session: Session, settings: Settings, norms: NormCatalogues
) -> None:
    with pytest.raises(InvalidInputError, match="not a spatial rule") as refused:
        gap_service.gap_collection(
            db_session, settings, CITY, norms=norms, rule_id="tiny.ambulance_fleet"
        )
    assert refused.value.details[0]["field"] == "rule"


@pytest.mark.usefixtures("facilities")
def test_coverage_statistics_per_region(db_session: Session, settings: Settings) -> None:
    report = coverage.coverage_report(
        db_session,
        settings,
        CITY,
        facility_types=["community_health_center"],
        mode="drive",
        minutes=20,
    )

    by_region = {r.region_adcode: r for r in report.regions}
    assert [r.region_adcode for r in report.regions] == [CITY, EAST, WEST]
    assert report.facilities == 1
    # 20 minutes by car: 6.67 km; A, C and E are within, B (6.9 km) and D (10.8 km) beyond
    assert (by_region[EAST].covered, by_region[EAST].urban_covered) == (4000, 1000)
    assert (by_region[WEST].population, by_region[WEST].covered) == (4500, 500)
    assert by_region[CITY].covered_share == pytest.approx(4500 / 10500)
