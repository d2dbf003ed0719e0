"""Service settings, read from ``APP_*`` environment variables.

Nothing here is built at import time: call :func:`get_settings` (cached) or construct
:class:`Settings` directly, as the tests do.
"""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.db.plain import DEFAULT_DATABASE_URL

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _shared_dir(name: str) -> Path | None:
    """Return ``../shared/<name>`` beside the project (or the working directory) when it exists."""
    for base in (PROJECT_ROOT, Path.cwd()):
        candidate = (base / ".." / "shared" / name).resolve()
        if candidate.is_dir():
            return candidate
    return None


class Settings(BaseSettings):
    """Configuration of one fplan service instance."""

    model_config = SettingsConfigDict(env_prefix="APP_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    data_dir: Path | None = Field(default_factory=lambda: _shared_dir("data"))
    plans_dir: Path | None = Field(default_factory=lambda: _shared_dir("plans"))
    # a planner's own catalogues (a city without a shipped one, or a newer plan), read live
    norms_dir: Path | None = None
    cache_dir: Path = PROJECT_ROOT / ".cache"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    db_pool_size: int = Field(default=10, ge=1)
    db_connect_timeout_s: int = Field(default=5, ge=1)
    # the server cancels a statement running longer (a runaway query); the service also stops
    # waiting for any answer a few seconds later, so a hung database is a 503 (app.db.session)
    db_statement_timeout_s: float = Field(default=60.0, gt=0)
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # every other request body (JSON features, scenarios): far above one feature, far below a DoS
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # reads (GET) need a viewer token too when true; writes always need the right role
    auth_required_for_reads: bool = False
    # wall-clock limit of one compliance / gaps / coverage computation, seconds; a cold Changsha
    # check takes a few seconds (`fplan bench`), so only a runaway request reaches it
    compute_timeout_s: float = Field(default=120.0, gt=0)
    # computations running at once; more are refused at once with 503 (Retry-After), never
    # queued; optimisations may hold at most half of them, so reads always find a slot
    compute_workers: int = Field(default=3, ge=1)
    # computations one client (a token, or an address without one) may have running at once;
    # more are refused with 429: the map asks for a city's compliance and gaps together, and
    # no single client holds every slot
    compute_per_client: int = Field(default=2, ge=1)
    # answers of compliance / coverage / gaps kept per data version (app.runtime.answers)
    answer_cache_entries: int = Field(default=512, ge=0)
    answer_cache_mb: int = Field(default=256, ge=0)
    # vector tiles kept in memory: bounded by number and by bytes (an empty tile counts too)
    tile_cache_entries: int = Field(default=50_000, ge=0)
    tile_cache_mb: int = Field(default=64, ge=0)

    def reference_data_dir(self) -> Path | None:
        """The data folder the Hunan reference data is loaded from, or None for the shipped tables.

        A configured folder that does not exist is an error (a typo must not silently fall back).
        """
        if self.data_dir is None:
            return None
        return self.require_data_dir()

    def require_data_dir(self) -> Path:
        """Return the data directory, or raise when none is configured or present."""
        from app.errors import ConfigurationError

        if self.data_dir is None or not self.data_dir.is_dir():
            raise ConfigurationError.worded("error.data.no_folder")
        return self.data_dir

    def data_file(self, *parts: str) -> Path | None:
        """A file of the data folder (e.g. ``hunan/hunan_trunk_roads_osm.geojson``), or None.

        None when no data folder is configured or the file is not in it: the caller falls back
        to what it can do without (and says so).
        """
        if self.data_dir is None:
            return None
        path = self.data_dir.joinpath(*parts)
        return path if path.is_file() else None


# the real data the service uses when the data folder holds it (../shared/data/README.md)
TRUNK_ROADS_FILE = ("hunan", "hunan_trunk_roads_osm.geojson")
CHANGSHA_ROADS_FILE = ("changsha", "changsha_roads_osm2019.gpkg")


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
