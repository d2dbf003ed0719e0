from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


def test_health_reports_postgis(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["postgis_version"].startswith("3.")


def test_health_is_503_when_the_database_is_down(settings: Settings) -> None:
    # nothing listens on port 1: the service must answer, not crash
    down = settings.model_copy(
        update={"database_url": "postgresql+psycopg://fplan:x@127.0.0.1:1/fplan"}
    )
    with TestClient(create_app(down)) as client:
        response = client.get("/api/v1/health")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "database_unavailable"
        assert "Traceback" not in response.text
        facilities = client.get("/api/v1/facilities")
        assert facilities.status_code == 503
