"""Reference tables the project ships (see DATA.md); read by app.services.reference_tables."""
