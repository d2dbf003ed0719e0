"""Errors raised by ``geo``: one small hierarchy so callers can map them in one place."""


class GeoError(Exception):
    """Base class of every error raised by the ``geo`` package."""


class NetworkInputError(GeoError, ValueError):
    """Arrays or graphs given to a network builder are inconsistent or invalid."""


class NetworkFormatError(GeoError, ValueError):
    """A road-network file has an unsupported format or cannot be parsed."""


class ModeError(GeoError, ValueError):
    """An unknown travel mode or search direction was requested."""


class SpeedTableError(GeoError, ValueError):
    """A speed table, override or congestion table holds invalid values."""


class CoverageInputError(GeoError, ValueError):
    """Inputs to a coverage computation (sources, points, limits) are invalid."""
