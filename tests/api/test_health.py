from fastapi.testclient import TestClient


def test_health_reports_postgis(client: TestClient) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["postgis_version"].startswith("3.")
