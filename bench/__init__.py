"""Benchmarks that print figures (never tests): `make bench` runs `python -m bench.bus`, then
`python -m bench.api`."""
