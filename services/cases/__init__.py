"""The cases service: PMKS cases from a PSM's report to closure (DOMAIN.md §5).

A case is reported in a desa, assigned to the active TKSK of its kecamatan, verified, assessed,
referred to services, monitored and closed with the Dinas's approval. Every step is an event
with actor, time and reason, published on `<ns>.cases.events` and kept in the audit trail.
"""

NAME = "cases"
