"""The notifications service: contacts projection, templates, deliveries and channels."""

from pathlib import Path

NAME = "notifications"
MIGRATIONS = Path(__file__).with_name("migrations") / "versions"
