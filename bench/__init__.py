"""Benchmarks that print figures (never tests): `python -m bench.bus` is `make bench`."""
