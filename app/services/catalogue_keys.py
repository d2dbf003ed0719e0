"""The catalogues' content hashes, known without reading the catalogues (a repeated check).

A compliance run is keyed by its catalogue's content hash (:func:`app.services.norms.
catalogue_sha256`), which takes parsing and checking every catalogue. After a load,
:func:`remember` keeps each city's hash (and which cities' quotes were verified, and each
catalogue as ``fplan cities`` and ``fplan norms list`` print it) in ``settings.cache_dir /
"norms"``, under a digest of everything the load read: the catalogue files, the plan texts and
the code that reads them (``geo``, ``geo/norms``, :mod:`app.services.norms`). :func:`recall` gives
them back while none of that changed, so a check answered from a stored run, and a listing,
need neither the YAML nor ``geo.norms`` (nor pydantic); any change gives another digest, and the
next load writes it.

This module imports nothing heavy (no ``geo.norms``, no ORM, no settings).
"""

import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import geo

_log = logging.getLogger(__name__)

# bump when the file written changes meaning
_LAYOUT = 2
# the code that turns the files into catalogues: geo's own modules and its norms, and the
# service's reading of them (app.services.norms: own catalogues, the listed form)
_GEO_DIR = Path(geo.__file__).resolve().parent
_SERVICE_CODE = (Path(__file__).resolve(), Path(__file__).resolve().with_name("norms.py"))
# the catalogues that ship with geo.norms (geo.norms.DEFAULT_CATALOGUE_DIR, without importing it)
SHIPPED_DIR = _GEO_DIR / "norms" / "catalogue"


class Folders(Protocol):
    """The settings a load of the catalogues reads: :class:`app.settings.Settings`, or the
    plain :class:`app.environment.Folders` of a listing command."""

    @property
    def plans_dir(self) -> Path | None: ...

    @property
    def norms_dir(self) -> Path | None: ...

    @property
    def cache_dir(self) -> Path: ...


@dataclass(frozen=True)
class CatalogueKeys:
    """What a load of the catalogues found, by city adcode.

    Attributes
    ----------
    sha256
        Each city's catalogue content hash.
    verified
        The cities whose quotes were checked against their plan text.
    listed
        Every catalogue as the listing commands print it, plain JSON values
        (:func:`app.services.norms.listed_catalogue`), in load order.
    """

    sha256: dict[str, str]
    verified: frozenset[str]
    listed: tuple[dict[str, Any], ...] = ()


def seeds_dir_of(settings: Folders) -> Path | None:
    """The folder of the plan texts (``APP_PLANS_DIR/seeds``), or None when it is not at hand."""
    seeds_dir = settings.plans_dir / "seeds" if settings.plans_dir is not None else None
    return seeds_dir.resolve() if seeds_dir is not None and seeds_dir.is_dir() else None


def norms_dir_of(settings: Folders) -> Path | None:
    """The planner's own catalogues (``APP_NORMS_DIR``), or None."""
    norms_dir = settings.norms_dir
    return norms_dir.resolve() if norms_dir is not None and norms_dir.is_dir() else None


def _files(folder: Path | None, pattern: str) -> list[Path]:
    return [] if folder is None else sorted(p for p in folder.glob(pattern) if p.is_file())


def files_digest(settings: Folders, *, directory: Path = SHIPPED_DIR) -> str:
    """A digest of every file a load of the catalogues reads, and of the code that parses them.

    Parameters
    ----------
    settings
        The plan texts' and the own catalogues' folders.
    directory
        The shipped catalogues' folder.
    """
    digest = hashlib.sha256(f"layout {_LAYOUT}".encode())
    folders = {
        "code": [*_files(_GEO_DIR, "*.py"), *_files(_GEO_DIR / "norms", "*.py"), *_SERVICE_CODE],
        "shipped": _files(directory.resolve(), "*"),
        "seeds": _files(seeds_dir_of(settings), "*"),
        "own": _files(norms_dir_of(settings), "*"),
    }
    for name, paths in folders.items():
        digest.update(f"\0{name}\0".encode())
        for path in paths:
            digest.update(f"\0{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _path(settings: Folders, digest: str) -> Path:
    return settings.cache_dir / "norms" / f"catalogues-{digest[:40]}.json"


def recall(settings: Folders, digest: str) -> CatalogueKeys | None:
    """The keys a load of the files ``digest`` names found; None when none was kept."""
    path = _path(settings, digest)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return CatalogueKeys(
            sha256={str(k): str(v) for k, v in data["sha256"].items()},
            verified=frozenset(str(c) for c in data["verified"]),
            listed=tuple(dict(c) for c in data["listed"]),
        )
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        # damaged or of another layout: the next load writes it again
        _log.warning("catalogue keys %s cannot be read", path.name, exc_info=True)
        return None


def remember(settings: Folders, digest: str, keys: CatalogueKeys) -> None:
    """Keep ``keys`` for the files ``digest`` names (whole or not at all)."""
    path = _path(settings, digest)
    kept = {"sha256": keys.sha256, "verified": sorted(keys.verified), "listed": keys.listed}
    text = json.dumps(kept, sort_keys=True, ensure_ascii=False)
    tmp = path.with_name(f"{path.stem}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError:
        # a read-only or full disk: checks stay correct, a repeated one only costs more
        _log.warning("catalogue keys %s cannot be written", path.name, exc_info=True)
        tmp.unlink(missing_ok=True)
