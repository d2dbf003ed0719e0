"""The catalogue store a process keeps (on ``app.state``): one load per change of the files."""

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from app.main import create_app
from app.services import norms
from app.services.norms import CatalogueStore, catalogue_sha256, load_norms
from app.settings import Settings
from geo.norms import DEFAULT_CATALOGUE_DIR
from geo.norms import catalogue as catalogue_module


@pytest.fixture
def plans_settings(shared_dir: Path) -> Settings:
    return Settings(plans_dir=shared_dir / "plans")


def test_the_store_loads_once_and_a_command_loads_afresh(plans_settings: Settings) -> None:
    store = CatalogueStore()
    first = store.load(plans_settings)
    assert store.load(plans_settings) is first
    fresh = load_norms(plans_settings)
    assert fresh is not first
    assert fresh == first
    assert first.cities == ["430100", "430400", "430600", "431100", "433101"]


def test_an_edited_catalogue_loads_afresh(
    plans_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_CATALOGUE_DIR, folder)
    store = CatalogueStore()
    before = store.load(plans_settings, directory=folder)
    # past the recheck interval, a file with another modification time is read again
    monkeypatch.setattr(norms, "RECHECK_S", 0.0)
    assert store.load(plans_settings, directory=folder) is before
    edited = sorted(folder.glob("*.yaml"))[0]
    stat = edited.stat()

    os.utime(edited, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    after = store.load(plans_settings, directory=folder)
    assert after is not before
    assert after == before


def test_the_same_files_again_load_without_a_second_quote_check(
    shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = tmp_path / "plans"
    shutil.copytree(shared_dir / "plans" / "seeds", plans / "seeds")
    settings = Settings(plans_dir=plans, cache_dir=tmp_path / "cache")
    checked: list[str] = []
    real = catalogue_module.check_citation

    def counted(*args: object, **kwargs: object) -> object:
        checked.append("quote")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(catalogue_module, "check_citation", counted)
    first = load_norms(settings)
    assert checked
    assert first.verified == frozenset(first.cities)
    checked.clear()
    again = load_norms(settings)
    assert again == first
    assert checked == []
    # another plan text is another set of files: its quotes are checked again
    seed = sorted((plans / "seeds").glob("*.txt"))[0]
    seed.write_text(seed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert load_norms(settings) == first
    assert checked


def test_the_content_key_hashes_every_catalogue(plans_settings: Settings) -> None:
    loaded = load_norms(plans_settings)
    text = " ".join(catalogue_sha256(c) for c in loaded.catalogues)
    assert loaded.key == hashlib.blake2b(text.encode(), digest_size=12).hexdigest()
    assert len(loaded.key) == 24


def test_create_app_makes_the_process_state(plans_settings: Settings) -> None:
    app = create_app(plans_settings)
    assert isinstance(app.state.catalogues, CatalogueStore)
    assert app.state.scenario_contexts is not None
