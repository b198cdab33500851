"""The registry service: social workers (PSM, TKSK) and the reference data people look up.

It owns the workers, publishes their full public state on `<ns>.registry.events`, and raises a
worker's training tier when the training service certifies them.
"""

from pathlib import Path

NAME = "registry"
VERSION = "0.1.0"
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"
