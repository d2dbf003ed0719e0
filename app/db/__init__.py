"""Persistence: ORM models, engine and session factory, spatial queries."""
