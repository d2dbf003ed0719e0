"""Property-based fuzzing of the whole OpenAPI schema with schemathesis, in process (ASGI).

Every operation of ``/openapi.json`` is called with generated valid and invalid inputs on the
tiny prepared city (network, residents, facilities, plan), with an admin token so writes do real
work inside the test's transaction. Every answer must be below 500 and match the schema the
operation declares (status code, content type, body). Bounded: 50 examples per operation.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from app.api.deps import get_norm_catalogues, get_session
from app.main import create_app
from app.settings import Settings
from tests.fixtures.compliance_city import prepare, tiny_norms

# examples per operation (12 before the hostile-input work): ~30 operations in a few minutes
MAX_EXAMPLES = 50
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzz_app(settings: Settings, db_session: Session, tmp_path: Path, tiny_city: None) -> FastAPI:
    prepare(db_session)
    norms = tiny_norms(tmp_path)
    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: db_session
    app.dependency_overrides[get_norm_catalogues] = lambda: norms
    return app


@pytest.fixture
def admin_header(make_token: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token('admin', 'fuzz')}"}


def _load_schema() -> Any:
    """The app's OpenAPI description (it needs no database: the engine is never connected)."""
    app = create_app(Settings())
    description = app.openapi()
    app.state.engine.dispose()
    loaded = schemathesis.openapi.from_dict(description)
    loaded.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
    loaded.config.phases.update(phases=["examples", "fuzzing"])
    return loaded


schema = _load_schema()


# fuzzed bodies may carry absurd GeoJSON bboxes, which geojson-pydantic warns about
@pytest.mark.filterwarnings("ignore:BBOX crossing the Antimeridian:UserWarning")
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_5xx_and_every_answer_matches_its_schema(
    case: Any, fuzz_app: FastAPI, admin_header: dict[str, str]
) -> None:
    response = case.call(headers=admin_header, app=fuzz_app)
    case.validate_response(response, checks=CHECKS, headers=admin_header)
