"""Events the registry service publishes on `<namespace>.registry.events`.

Social workers (PSM, TKSK, other PSKS) and persons/families (PMKS/PPKS): `worker_*` and
`person_*` events, the only ones allowed to carry personal data (DESIGN.md §3). Each event is a
frozen `Event` registered in `CATALOG` with `@CATALOG.register`; they arrive with the issues
that build the registry service.
"""
