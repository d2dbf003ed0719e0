"""A repeated check answered from the stored report, with plain queries and no computation.

A baseline compliance run keeps its report (``evaluation_runs.report``, JSON text with
``reused`` false) and the data version (migration 0007) at which a check last found its
fingerprint to be the city's (``checked_version``). The data version counts every committed
change of what a fingerprint reads (regions, facilities, population cells, networks), so while
it is still that number and the catalogue's content hash is the same
(:mod:`app.services.catalogue_keys`), the run is the answer: :func:`stored_report` finds it with
one query, without the catalogue, the ORM or ``geo``. Anything else (data changed since, a new
catalogue, code that shapes the report differently, changes not yet committed in the caller's
transaction) finds nothing, and the caller runs the check in full
(:func:`app.services.compliance.run_compliance`), which confirms the run again through
:func:`data_version` and :func:`remember`.

This module imports nothing heavy: a repeated ``fplan check`` is this query and the printing.
"""

import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text

from app.services import catalogue_keys

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.orm import Session

    from app.settings import Settings

_TOP = Path(__file__).resolve().parents[2]
# what turns inputs into a stored verdict and report besides the data: the engine and its
# wording (geo, with the message catalogue), and the services and schemas that fingerprint,
# store and shape the results (a change in any gives another key, so nothing stored by other
# code is served)
_CODE_FOLDERS = (_TOP / "geo", _TOP / "app" / "services", _TOP / "app" / "schemas")
_CODE_SUFFIXES = frozenset({".py", ".po", ".yaml"})

# the current data version, unless this transaction changed data it has not committed (the
# trigger of migration 0007 notes that in a transaction-local setting)
_VERSION = text(
    """
    SELECT version FROM data_version
    WHERE id = 1 AND current_setting('fplan.data_changed', true) IS DISTINCT FROM 'yes'
    """
)
_STORED = text(
    """
    SELECT r.report FROM evaluation_runs AS r
    JOIN data_version AS d ON d.id = 1 AND r.checked_version = d.version
    WHERE r.city_adcode = :city AND r.catalogue_sha256 = :catalogue
      AND r.report_key = :key AND r.report IS NOT NULL
      AND current_setting('fplan.data_changed', true) IS DISTINCT FROM 'yes'
    ORDER BY r.id DESC
    LIMIT 1
    """
)
_REMEMBER = text("UPDATE evaluation_runs SET checked_version = :version WHERE id = :run")
_REMEMBER_REPORT = text(
    "UPDATE evaluation_runs SET checked_version = :version, report = :report, report_key = :key "
    "WHERE id = :run"
)


def source_digest(roots: "Sequence[Path]") -> str:
    """A digest of the code and catalogue files under ``roots``: their names and contents (hex,
    64 characters)."""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@cache
def report_key() -> str:
    """A digest of the code that computes, words and shapes a stored run and its report.

    It joins a run's fingerprint (:func:`app.services.inputs.prepare_city`) and keys its stored
    report, so a release that computes or words a verdict otherwise never serves what the
    previous one stored.
    """
    return source_digest(_CODE_FOLDERS)


def data_version(session: "Session") -> int | None:
    """The data version now; None when this transaction changed data not yet committed."""
    value = session.execute(_VERSION).scalar()
    return None if value is None else int(value)


def _keys(settings: "Settings", directory: Path) -> catalogue_keys.CatalogueKeys | None:
    digest = catalogue_keys.files_digest(settings, directory=directory)
    return catalogue_keys.recall(settings, digest)


def quotes_verified(
    settings: "Settings", city_adcode: str, *, directory: Path = catalogue_keys.SHIPPED_DIR
) -> bool | None:
    """Whether the last load of unchanged files verified the city's quotes; None: unknown."""
    keys = _keys(settings, directory)
    return None if keys is None else city_adcode in keys.verified


def stored_report(
    session: "Session",
    settings: "Settings",
    city_adcode: str,
    *,
    directory: Path = catalogue_keys.SHIPPED_DIR,
) -> str | None:
    """The stored report (JSON text, ``reused`` false) that is the city's answer now, or None.

    None when the data changed since a check last confirmed the city's run, when the shipped
    catalogues (``directory``), the own ones or the plan texts changed since they were last
    loaded, or when the report was stored by code that shapes it otherwise: then run the check
    in full.
    """
    keys = _keys(settings, directory)
    catalogue = None if keys is None else keys.sha256.get(city_adcode)
    if catalogue is None:
        return None
    row = session.execute(
        _STORED, {"city": city_adcode, "catalogue": catalogue, "key": report_key()}
    ).first()
    return None if row is None else str(row[0])


def remember(session: "Session", run_id: int, *, version: int, report: str | None = None) -> None:
    """Note that ``run_id`` is the city's run at data ``version``; store ``report`` if given."""
    if report is None:
        session.execute(_REMEMBER, {"run": run_id, "version": version})
    else:
        params = {"run": run_id, "version": version, "report": report, "key": report_key()}
        session.execute(_REMEMBER_REPORT, params)
