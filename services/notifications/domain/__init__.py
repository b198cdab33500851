"""Notification rules: templates and deliveries. No SQLAlchemy, FastAPI, FastStream or settings."""
