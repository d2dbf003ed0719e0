"""A plan for any city: the README's Zhuzhou catalogue validates, loads live and is checked."""

import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import app as cli
from app.services import compliance, demo, norms
from app.services.reference import load_hunan
from app.settings import Settings
from geo.errors import CatalogueError
from geo.norms import load_catalogue
from tests._catalogues import PLAN_TEXT, readme_catalogue

ZHUZHOU = "430200"


def test_readme_example_validates_with_and_without_its_plan_text(tmp_path: Path) -> None:
    catalogue = tmp_path / "zhuzhou.yaml"
    catalogue.write_text(readme_catalogue(), encoding="utf-8")
    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN_TEXT, encoding="utf-8")
    runner = CliRunner()

    checked = runner.invoke(cli, ["norms", "validate", str(catalogue), "--plan", str(plan)])
    assert checked.exit_code == 0, checked.output
    assert "引文已与原文核对" in checked.output
    unverified = runner.invoke(cli, ["norms", "validate", str(catalogue)])
    assert unverified.exit_code == 0, unverified.output
    assert "引文未经核对" in unverified.output

    # a wrong quote and a wrong field: both named by rule
    broken = (
        readme_catalogue()
        .replace("达到7.5张", "达到9张")
        .replace("minutes_rural: 15", "minutes_rural: fifteen")
    )
    catalogue.write_text(broken, encoding="utf-8")
    failed = runner.invoke(cli, ["norms", "validate", str(catalogue), "--plan", str(plan)])
    assert failed.exit_code == 2
    assert "zhuzhou.beds_per_1000" in failed.output
    assert "zhuzhou.care_circle_15min" in failed.output
    assert "minutes_rural" in failed.output


def test_schema_is_json_schema_of_a_catalogue() -> None:
    result = CliRunner().invoke(cli, ["norms", "schema"])
    assert result.exit_code == 0, result.output
    assert '"$schema": "https://json-schema.org/draft/2020-12/schema"' in result.output
    for field in ("city_adcode", "plan_title_zh", "document_number", "issuer_zh", "rules"):
        assert f'"{field}"' in result.output


def test_own_catalogue_loads_without_restart_and_zhuzhou_is_checked(
    db_session: Session, settings: Settings, tmp_path: Path
) -> None:
    own = tmp_path / "norms"
    own.mkdir()
    live = settings.model_copy(update={"norms_dir": own})
    # the service's store, as create_app keeps it
    store = norms.CatalogueStore()
    assert store.load(live).for_city(ZHUZHOU) is None

    (own / "zhuzhou.yaml").write_text(readme_catalogue(), encoding="utf-8")
    (own / "zhuzhou_plan.txt").write_text(PLAN_TEXT, encoding="utf-8")
    # the loaded set is looked at again after RECHECK_S: the same process sees the new file
    time.sleep(norms.RECHECK_S + 0.1)
    loaded = store.load(live)
    catalogue = loaded.for_city(ZHUZHOU)
    assert catalogue is not None
    assert loaded.quotes_verified(ZHUZHOU)
    assert loaded.quotes_verified("430100")
    assert load_catalogue(own / "zhuzhou.yaml", seeds_dir=own).city_name_zh == "株洲市"

    load_hunan(db_session, None)
    demo.prepare_city(db_session, live, ZHUZHOU, target_nodes=5000)
    report = compliance.run_compliance(db_session, live, ZHUZHOU, norms=loaded)

    rules = {r.rule_id for r in report.results}
    assert rules == {"zhuzhou.beds_per_1000", "zhuzhou.care_circle_15min"}
    regions = {r.region_adcode for r in report.results}
    assert ZHUZHOU in regions
    assert len(regions) > 5  # the city and its districts and counties


def test_a_defective_own_catalogue_is_named(settings: Settings, tmp_path: Path) -> None:
    own = tmp_path / "norms"
    own.mkdir()
    (own / "zhuzhou.yaml").write_text(
        readme_catalogue().replace("kind: resource_ratio", "kind: nonsense"), encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match=r"zhuzhou\.beds_per_1000"):
        norms.load_norms(settings.model_copy(update={"norms_dir": own}))
