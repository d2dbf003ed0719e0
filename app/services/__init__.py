"""Use cases: load from the database, call ``geo``, persist or return. They own transactions."""
