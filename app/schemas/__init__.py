"""Pydantic models for API input and output (never ORM classes)."""
