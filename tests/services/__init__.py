"""Use cases of app.services against a real PostGIS database (per-test savepoints)."""
