"""Errors of the demo-data generator (:mod:`geo.demo`)."""

from geo._errors import GeoError


class InventoryError(GeoError, ValueError):
    """A facility inventory or one of its figures is incomplete or inconsistent."""


class DemoInputError(GeoError, ValueError):
    """Cells, regions or existing facilities given to the demo generator are invalid."""
