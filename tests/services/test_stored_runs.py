"""A repeated check answered from the stored report: exactly the full check's answer, and only
while the data, the catalogues and the code that shapes it are unchanged.

The tiny prepared city is committed for real here (the data version moves only at a commit);
the plan ``tiny`` is loaded from its own folder, as ``fplan check`` loads the shipped ones.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.schemas.compliance import ComplianceReport
from app.services import stored_runs
from app.services._tx import transaction
from app.services.compliance import run_compliance
from app.services.norms import NormCatalogues, load_norms
from app.settings import Settings
from tests.fixtures.compliance_city import CITY, EAST, committed_city, tiny_norms


@pytest.fixture
def own(settings: Settings, tmp_path: Path) -> Settings:
    """Settings with the plan ``tiny``'s texts and a cache folder of the test's own."""
    tiny_norms(tmp_path)
    return settings.model_copy(update={"cache_dir": tmp_path / "cache", "plans_dir": tmp_path})


@pytest.fixture
def city(engine: Engine) -> Iterator[Session]:
    with committed_city(engine) as session:
        yield session


def _load(own: Settings) -> NormCatalogues:
    assert own.plans_dir is not None
    return load_norms(own, directory=own.plans_dir / "catalogue")


def _stored(session: Session, own: Settings) -> ComplianceReport | None:
    assert own.plans_dir is not None
    with transaction(session):
        body = stored_runs.stored_report(session, own, CITY, directory=own.plans_dir / "catalogue")
    return None if body is None else ComplianceReport.model_validate_json(body)


def test_the_stored_report_is_the_full_checks_answer(city: Session, own: Settings) -> None:
    first = run_compliance(city, own, CITY, norms=_load(own))
    assert not first.reused

    stored = _stored(city, own)

    assert stored is not None
    assert stored.run_id == first.run_id
    assert not stored.reused
    # byte for byte what a full check answers when it reuses the run
    again = run_compliance(city, own, CITY, norms=_load(own))
    assert again.reused
    assert stored.model_copy(update={"reused": True}).model_dump_json() == again.model_dump_json()


def test_a_committed_change_of_the_data_is_checked_in_full(city: Session, own: Settings) -> None:
    first = run_compliance(city, own, CITY, norms=_load(own))
    assert _stored(city, own) is not None
    # as the register writes it: the row's version and time move with it
    station = (
        "UPDATE facilities SET ambulances = :n, version = version + 1, updated_at = now() "
        "WHERE type = 'ems_station'"
    )

    # not yet committed: the stored report is not the answer in this transaction
    city.execute(text(station), {"n": 9})
    assert _stored(city, own) is None
    city.commit()
    # committed: the data version moved past the one the run was confirmed at
    assert _stored(city, own) is None
    changed = run_compliance(city, own, CITY, norms=_load(own))
    assert changed.run_id != first.run_id
    assert not changed.reused
    fleet = {(r.rule_id, r.region_adcode): r.value for r in changed.results}
    assert 9.0 in fleet.values()
    stored = _stored(city, own)
    assert stored is not None
    assert stored.run_id == changed.run_id

    # the fleet as it was (a newer row version, so a new run): the first run's figures
    city.execute(text(station), {"n": 2})
    city.commit()
    assert _stored(city, own) is None
    back = run_compliance(city, own, CITY, norms=_load(own))
    assert [r.value for r in back.results] == [r.value for r in first.results]
    stored = _stored(city, own)
    assert stored is not None
    assert stored.run_id == back.run_id
    assert {r.region_adcode for r in stored.results} >= {CITY, EAST}


def test_an_edited_catalogue_or_report_code_is_checked_in_full(
    city: Session, own: Settings
) -> None:
    first = run_compliance(city, own, CITY, norms=_load(own))
    assert own.plans_dir is not None
    catalogue = own.plans_dir / "catalogue" / "tiny.yaml"

    # an edit the catalogue's content hash does not see still waits for a load of the files
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert _stored(city, own) is None
    reloaded = run_compliance(city, own, CITY, norms=_load(own))
    assert reloaded.run_id == first.run_id
    assert _stored(city, own) is not None

    # a report stored by code that shaped it otherwise is built again by the full check
    city.execute(
        text("UPDATE evaluation_runs SET report_key = 'older' WHERE city_adcode = :c"), {"c": CITY}
    )
    city.commit()
    assert _stored(city, own) is None
    run_compliance(city, own, CITY, norms=_load(own))
    stored = _stored(city, own)
    assert stored is not None
    assert stored.run_id == first.run_id


@pytest.mark.usefixtures("tiny_city")
def test_nothing_is_remembered_in_a_transaction_with_uncommitted_changes(
    db_session: Session, own: Settings
) -> None:
    from tests.fixtures.compliance_city import prepare

    prepare(db_session)
    run_compliance(db_session, own, CITY, norms=_load(own))
    report = run_compliance(db_session, own, CITY, norms=_load(own))

    assert report.reused
    assert _stored(db_session, own) is None
    checked = db_session.execute(
        text("SELECT checked_version, report FROM evaluation_runs WHERE id = :id"),
        {"id": report.run_id},
    ).one()
    assert tuple(checked) == (None, None)


def test_the_stored_report_is_committed_for_the_next_process(
    city: Session, own: Settings, engine: Engine
) -> None:
    # as `fplan check` calls it: a session with no transaction open; the run and its report
    # must be committed when the call returns, not left in a transaction nobody commits
    city.commit()
    assert not city.in_transaction()
    first = run_compliance(city, own, CITY, norms=_load(own))
    city.rollback()

    with Session(engine) as other:
        stored = _stored(other, own)

    assert stored is not None
    assert stored.run_id == first.run_id


def test_the_code_digest_follows_every_code_and_catalogue_file(tmp_path: Path) -> None:
    """Editing, adding or renaming an engine file or a message catalogue gives another digest;
    compiled files do not count."""
    (tmp_path / "norms").mkdir()
    (tmp_path / "norms" / "counts.py").write_text("X = 1\n", encoding="utf-8")
    (tmp_path / "zh.po").write_text('msgid "a"\nmsgstr "甲"\n', encoding="utf-8")
    first = stored_runs.source_digest([tmp_path])

    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "counts.cpython-311.pyc").write_bytes(b"compiled")
    (tmp_path / "notes.txt").write_text("not code", encoding="utf-8")
    assert stored_runs.source_digest([tmp_path]) == first

    (tmp_path / "zh.po").write_text('msgid "a"\nmsgstr "乙"\n', encoding="utf-8")
    worded = stored_runs.source_digest([tmp_path])
    assert worded != first
    (tmp_path / "norms" / "counts.py").rename(tmp_path / "norms" / "ratios.py")
    renamed = stored_runs.source_digest([tmp_path])
    assert renamed not in (first, worded)
    assert len(renamed) == 64


def test_a_run_is_fingerprinted_with_the_code_that_computed_it(
    city: Session, own: Settings
) -> None:
    report = run_compliance(city, own, CITY, norms=_load(own))

    stored = city.execute(
        text("SELECT inputs ->> 'code', report_key FROM evaluation_runs WHERE id = :r"),
        {"r": report.run_id},
    ).one()
    assert stored[0] == stored_runs.report_key()
    assert stored_runs.report_key() == stored_runs.source_digest(
        [Path(stored_runs.__file__).resolve().parents[2] / "geo"]
        + [Path(stored_runs.__file__).resolve().parents[1] / f for f in ("services", "schemas")]
    )
