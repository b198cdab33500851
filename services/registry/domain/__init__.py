"""Registry rules and entities; no SQLAlchemy, FastStream, FastAPI or settings here."""
