"""Pure computation for facility planning: road networks, access, population, location, norms.

No web, no database: ``app`` (the service) and ``scenarios`` (planner scripts) call into ``geo``,
never the other way round. The subpackages, each layer importing only the layers below it:

1. ``network``: the :class:`~geo.network.Network` every analysis runs on (CSR adjacency per
   travel mode), its readers (OSM PBF/XML, GraphML, GeoDataFrames), speeds and snapping;
2. ``access`` (travel-time searches, coverage, isochrones), ``population`` (the census surface,
   settlement classes, point CSVs) and ``synthetic`` (stand-in road networks), side by side;
3. ``locate``: facility location models (LSCP, MCLP, p-median) over travel-time costs;
4. ``norms``: the plans' cited rule catalogues and their evaluators;
5. ``demo``: demo facilities sized to each plan's inventory (it uses the norms' citations).

Below them all: ``errors`` (the one error hierarchy, root :class:`~geo.errors.GeoError`),
``terms`` (the register vocabulary), ``datum`` (GCJ-02 / BD-09 conversions) and ``_validate``.

``import geo`` loads none of them: a subpackage is imported the first time it is used
(``geo.network`` …), so the package costs nothing until then.
"""

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geo import (
        access,
        datum,
        demo,
        errors,
        locate,
        network,
        norms,
        population,
        synthetic,
        terms,
    )

__all__ = [
    "access",
    "datum",
    "demo",
    "errors",
    "locate",
    "network",
    "norms",
    "population",
    "synthetic",
    "terms",
]


def __getattr__(name: str) -> ModuleType:
    """Import the subpackage ``name`` on first use (module ``__getattr__``, PEP 562)."""
    if name in __all__:
        return importlib.import_module(f"geo.{name}")
    msg = f"module 'geo' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(__all__)
