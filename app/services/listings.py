"""What the commands that only look list, read with plain SQL (:mod:`app.db.plain`) or kept.

``fplan token list``, ``fplan network list``, ``fplan cities`` and ``fplan norms list`` answer in
a fraction of a second from these reads: no ORM, no numpy, no pydantic. Each gives what its
service counterpart gives, and tests tie the two: :func:`token_rows` (and :func:`public_tokens`)
as :func:`app.services.auth.list_tokens`, :func:`chosen_networks` as
:func:`app.services.networks.find_network`, :func:`prepared_cities` as
:func:`app.services.inputs.require_prepared` (a city is prepared when that raises nothing), and
:func:`listed_catalogues` as :func:`app.services.norms.load_norms`.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from app.services import catalogue_keys
from app.services.city_rules import COUNTY_LEVELS, network_rank

if TYPE_CHECKING:
    import psycopg

Row = dict[str, Any]
# any psycopg connection: a command's own (app.db.plain.read_only) or a session's
Connection: TypeAlias = "psycopg.Connection[Any]"

_TOKENS = """
SELECT id, name, role, prefix, created_at, last_used_at, revoked_at, revoked_at IS NULL AS active
FROM api_tokens {where} ORDER BY id
"""
_NETWORKS = """
SELECT id, city_adcode, name, source, synthetic, crs, n_nodes, n_edges, params, created_at
FROM road_networks {where} ORDER BY id
"""
# the asked cities that are city-level regions with population cells and facilities in their
# units (or in themselves); driven by the few asked codes, so each test is an index probe (a
# correlated subquery per region let the planner scan every cell of the one city that has any)
_CITIES_WITH_PARTS = """
SELECT r.adcode
FROM unnest(%(cities)s::varchar[]) AS asked(adcode)
JOIN regions r ON r.adcode = asked.adcode
WHERE r.level = ANY(%(levels)s)
  AND EXISTS (SELECT 1 FROM population_cells c WHERE c.city_adcode = asked.adcode)
  AND EXISTS (
      SELECT 1 FROM facilities f JOIN regions m ON m.adcode = f.region_adcode
      WHERE m.city_adcode = r.adcode OR m.adcode = r.adcode
  )
"""


def _rows(conn: Connection, query: str, params: Any = None) -> list[Row]:
    from psycopg.rows import dict_row

    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(query, params).fetchall()


def token_rows(conn: Connection, *, include_revoked: bool = True) -> list[Row]:
    """Every token (oldest first) with the fields of a listed token, never its hash."""
    where = "" if include_revoked else "WHERE revoked_at IS NULL"
    return _rows(conn, _TOKENS.format(where=where))


def network_rows(conn: Connection, city_adcode: str | None = None) -> list[Row]:
    """The stored networks (by id), of one city when ``city_adcode`` is given."""
    if city_adcode is None:
        return _rows(conn, _NETWORKS.format(where=""))
    return _rows(conn, _NETWORKS.format(where="WHERE city_adcode = %s"), (city_adcode,))


def chosen_networks(rows: Iterable[Row]) -> dict[str, int]:
    """The network each city is analysed on (city adcode → network id), among ``rows``."""
    best: dict[str, tuple[tuple[int, float], int]] = {}
    for row in rows:
        city = row["city_adcode"]
        rank = network_rank(
            synthetic=row["synthetic"], params=row["params"], created_at=row["created_at"]
        )
        if city is None or rank is None:
            continue
        # the lowest rank wins; among equal ranks the first by id, as min() keeps it
        if city not in best or rank < best[city][0]:
            best[city] = (rank, row["id"])
    return {city: network_id for city, (_, network_id) in best.items()}


def prepared_cities(conn: Connection, city_adcodes: Sequence[str]) -> set[str]:
    """The cities of ``city_adcodes`` that are prepared: a network, residents and facilities."""
    cities = list(city_adcodes)
    levels = ["prefecture", *COUNTY_LEVELS]
    parts = _rows(conn, _CITIES_WITH_PARTS, {"levels": levels, "cities": cities})
    networks = chosen_networks(
        _rows(conn, _NETWORKS.format(where="WHERE city_adcode = ANY(%s)"), (cities,))
    )
    return {p["adcode"] for p in parts if p["adcode"] in networks}


def _json_time(moment: datetime | None) -> str | None:
    # as pydantic writes a datetime in JSON: ISO 8601, UTC as "Z"
    if moment is None:
        return None
    text = moment.isoformat()
    return text[: -len("+00:00")] + "Z" if text.endswith("+00:00") else text


def public_tokens(rows: Iterable[Row]) -> list[Row]:
    """Token rows (:func:`token_rows`) as the API lists them in JSON
    (``TokenPublic.model_dump(mode="json")``), without pydantic."""
    return [
        {
            **row,
            "created_at": _json_time(row["created_at"]),
            "last_used_at": _json_time(row["last_used_at"]),
            "revoked_at": _json_time(row["revoked_at"]),
        }
        for row in rows
    ]


def listed_catalogues(folders: catalogue_keys.Folders) -> list[Row]:
    """Every plan's catalogue as the listing commands print it
    (:func:`app.services.norms.listed_catalogue`), in load order.

    Read from the catalogue keys of these very files (:mod:`catalogue_keys`) when a load kept
    them; else the catalogues are loaded (and checked) as :func:`app.services.norms.load_norms`
    does, which keeps them for the next listing.

    Raises
    ------
    geo.errors.CatalogueError
        From the load, when a catalogue is defective.
    """
    known = catalogue_keys.recall(folders, catalogue_keys.files_digest(folders))
    if known is not None:
        return list(known.listed)
    from app.services import norms
    from app.settings import get_settings

    loaded = norms.load_norms(get_settings())
    return [norms.listed_catalogue(c) for c in loaded.catalogues]
