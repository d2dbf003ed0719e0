"""Plain rules about cities and their road networks, importing nothing.

The services apply them to ORM rows; the commands that only look (``fplan cities``, ``fplan
network list``) apply them to plain rows (:mod:`app.services.listings`), so both agree.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

# the county-level units a facility belongs to (zones have no polygon); a city is analysed as a
# prefecture or one of these
COUNTY_LEVELS = ("district", "county", "county_city")
# a real network stands for its city when it covers at least this share of the city's area
CITY_COVER_MIN = 0.8


def network_rank(
    *, synthetic: bool, params: Mapping[str, Any] | None, created_at: datetime
) -> tuple[int, float] | None:
    """How a stored network ranks for its city (lowest first); None: it never stands for it.

    A real network that covers the city first, then a synthetic one, the newest first among
    equals; a partial real extract (a campus, a district) never stands for the city.
    """
    covers = float((params or {}).get("city_cover_share", 1.0))
    if synthetic:
        return 1, -created_at.timestamp()
    if covers >= CITY_COVER_MIN:
        return 0, -created_at.timestamp()
    return None
