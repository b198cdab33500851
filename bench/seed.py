"""The data `bench.api` measures against, written with SQL straight into a service's store.

Rows are made in the database (`INSERT … SELECT` over `generate_series` on PostgreSQL, a
recursive series on SQLite), spread over Tapin's 135 desa/kelurahan, the 26 PMKS categories (7
of them protected) and the states of each record, so that 100,000 cases take seconds. Ids say
where a row came from: `seed-…` rows are read, `pool-…` cases are verified, `psm-…` workers are
enrolled. The listings (`*_items`) are what a run reads or consumes, one line per request item.
Where a service keeps figures derived from its rows with every write (the cases rekap's counts),
`recount` makes them again after rows were written here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.persistence.engine import create_engine, is_sqlite
from shared.reference import pmks_categories, wilayah
from shared.security import within

TAPIN = "63.05"
BINUANG = "63.05.01"  # the kecamatan whose TKSK verifies and gets the reported cases
TKSK = "bench-tksk-binuang"  # that TKSK's worker id (their token's sub)
START = "2024-01-01 00:00:00"  # the seeded timeline starts here
CASE_STATES = (
    ("reported", 1),
    ("in_verification", 2),
    ("verified", 2),
    ("returned", 2),
    ("rejected", 2),
    ("assessed", 2),
    ("referred", 2),
    ("monitoring", 2),
    ("closure_requested", 2),
    ("closed", 2),
)
# SQL text of a case's JSON columns, from the row's categories `c1`, `c2` and number `s.i`.
ONE_CODE = """'["' || c1.code || '"]'"""
TWO_CODES = """'["' || c1.code || '","' || c2.code || '"]'"""
TYPED_PERSON = (
    """'{"name": "Warga ' || s.i || '", "sex": "P", "nik": null, "birth_date": "1950-01-01"}'"""
)
BATCHES = 60  # a page of 50 and more; every seat request goes to the next batch in turn
SESSIONS_PER_BATCH = 3
CONTACTS = 300


def tapin_desa() -> list[tuple[str, str]]:
    """(desa, kecamatan) of every desa/kelurahan of Kabupaten Tapin."""
    regions = wilayah()
    return [
        (region.code, regions.kecamatan_of(region.code).code)
        for region in regions.regions("desa")
        if within(region.code, TAPIN)
    ]


class Store:
    """A service's database seen from the bench, with the few SQL spellings that differ."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = not is_sqlite(url)
        self.engine = create_engine(url, pool_size=2) if self.postgres else create_engine(url)

    async def close(self) -> None:
        await self.engine.dispose()

    async def run(self, *statements: str, **params: Any) -> None:
        """The statements in one transaction."""
        async with self.engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement), params)

    async def maintain(self, statement: str) -> None:
        """A statement that runs outside a transaction (VACUUM); PostgreSQL only."""
        if not self.postgres:
            return
        async with self.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text(statement))

    async def has_table(self, name: str) -> bool:
        async with self.engine.connect() as connection:
            return bool(await connection.run_sync(lambda sync: inspect(sync).has_table(name)))

    async def column(self, query: str, **params: Any) -> list[str]:
        async with self.engine.connect() as connection:
            return [str(row[0]) for row in await connection.execute(text(query), params)]

    async def scalar(self, query: str, **params: Any) -> Any:
        async with self.engine.connect() as connection:
            return (await connection.execute(text(query), params)).scalar()

    def series(self, count: int, alias: str = "s") -> str:
        """A FROM item `alias` with one row per i = 1 … count."""
        if self.postgres:
            return f"generate_series(1, {int(count)}) AS {alias}(i)"
        return (
            "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
            f"WHERE i < {int(count)}) SELECT i FROM n) AS {alias}"
        )

    def moment(self, minutes: str) -> str:
        """The instant `minutes` after START (a timestamptz; SQLAlchemy's text on SQLite)."""
        if self.postgres:
            return f"(TIMESTAMPTZ '{START}+00' + ({minutes}) * INTERVAL '1 minute')"
        return f"strftime('%Y-%m-%d %H:%M:%f000', '{START}', '+' || ({minutes}) || ' minutes')"

    def day(self, days: str) -> str:
        """The date `days` after START's."""
        if self.postgres:
            return f"(DATE '{START[:10]}' + ({days}))"
        return f"date('{START[:10]}', '+' || ({days}) || ' days')"

    def date_of(self, year: str, month: str, day: str) -> str:
        if self.postgres:
            return f"make_date({year}, {month}, {day})"
        return f"printf('%04d-%02d-%02d', {year}, {month}, {day})"

    def json(self, expression: str) -> str:
        return f"CAST({expression} AS JSON)" if self.postgres else expression

    def digits(self, expression: str, width: int) -> str:
        if self.postgres:
            return f"lpad(CAST({expression} AS TEXT), {width}, '0')"
        return f"printf('%0{width}d', {expression})"


def table(name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A CTE of literal rows, keyed 0 … n-1 by column `k` (codes only: no quoting needed)."""

    def literal(value: Any) -> str:
        return str(value) if isinstance(value, int) else f"'{value}'"

    body = ", ".join(f"({', '.join(literal(v) for v in (k, *row))})" for k, row in enumerate(rows))
    return f"{name}(k, {', '.join(columns)}) AS (VALUES {body})"


def lookups() -> str:
    """`desa`, `cat` and `state`, for `WITH`."""
    categories = [(code,) for code in pmks_categories().codes()]
    return ", ".join(
        (
            table("desa", ("code", "kecamatan"), tapin_desa()),
            table("cat", ("code",), categories),
            table("state", ("status", "version"), CASE_STATES),
        )
    )


# --- cases --------------------------------------------------------------------------------------


def case_rows(store: Store, prefix: str, count: int, spread: bool) -> list[str]:
    """The statements seeding `count` cases `<prefix>-<i>`: spread over Tapin, the categories
    and the states (a second category on every fifth); else Binuang's desa, LUT, in
    verification with our TKSK (a pool to verify)."""
    n_desa, n_cat, n_state = len(tapin_desa()), len(pmks_categories().codes()), len(CASE_STATES)
    case_id = f"'{prefix}-' || s.i"
    if spread:
        joins = (
            f"JOIN desa d ON d.k = s.i % {n_desa} JOIN cat c1 ON c1.k = s.i % {n_cat} "
            f"JOIN cat c2 ON c2.k = (s.i * 7 + 3) % {n_cat} "
            f"JOIN state st ON st.k = (s.i * 13) % {n_state}"
        )
        two = "s.i % 5 = 0 AND c2.code <> c1.code"
        when = store.moment("s.i * 5")
    else:
        # Binuang's desa, listed together (by code)
        binuang = [i for i, (_, kecamatan) in enumerate(tapin_desa()) if kecamatan == BINUANG]
        joins = (
            f"JOIN desa d ON d.k = {binuang[0]} + s.i % {len(binuang)} "
            "JOIN cat c1 ON c1.code = 'LUT' JOIN cat c2 ON c2.code = 'LUT' "
            "JOIN state st ON st.status = 'in_verification'"
        )
        two = "1 = 0"
        when = store.moment("600000 + s.i")
    codes = f"CASE WHEN {two} THEN {TWO_CODES} ELSE {ONE_CODE} END"
    assigned = "'seed-tksk-' || d.kecamatan" if spread else f"'{TKSK}'"
    tksk = f"CASE WHEN st.status = 'reported' THEN NULL ELSE {assigned} END"
    source = f"FROM {store.series(count)} {joins}"
    cases = f"""
        WITH {lookups()}
        INSERT INTO cases_cases (case_id, categories, desa, kecamatan, status, reported_by,
            reporter_role, assigned_tksk_id, person_ref, person_id, person, description,
            risk_level, needs, referrals, follow_ups, rejection_reason, closure_reason, version,
            reported_at, updated_at, closed_at)
        SELECT {case_id}, {store.json(codes)}, d.code, d.kecamatan, st.status,
            'seed-psm-' || (s.i % 500), 'psm', {tksk}, 'ref-' || s.i, NULL,
            {store.json(TYPED_PERSON)},
            'Lansia tinggal sendiri, tidak terurus (' || s.i || ')', NULL,
            {store.json("'[]'")}, {store.json("'[]'")}, 0, NULL, NULL, st.version, {when}, {when},
            CASE WHEN st.status = 'closed' THEN {when} ELSE NULL END
        {source}"""
    categories = f"""
        WITH {lookups()}
        INSERT INTO cases_case_categories (case_id, category)
        SELECT {case_id}, c1.code {source}
        UNION ALL SELECT {case_id}, c2.code {source} WHERE {two}"""
    details = store.json("'{}'")
    steps = f"""
        WITH {lookups()}
        INSERT INTO cases_steps (case_id, sequence, action, from_state, to_state, actor_id,
            actor_role, at, reason, details)
        SELECT {case_id}, 1, 'report', NULL, 'reported', 'seed-psm-' || (s.i % 500), 'psm',
            {when}, NULL, {details} {source}
        UNION ALL SELECT {case_id}, 2, 'assign', 'reported', 'in_verification', 'cases', 'system',
            {when}, NULL, {details} {source} WHERE st.version = 2"""
    return [cases, categories, steps]


async def seed_cases(store: Store, count: int) -> None:
    """`count` cases for the rekap and the reads, and the TKSK of Binuang in the projection of
    registry's workers (so that a report is assigned at once, as in production)."""
    await store.run(
        *case_rows(store, "seed", count, spread=True),
        "INSERT INTO cases_workers (worker_id, role, wilayah, kecamatan, status, sequence) "
        f"VALUES ('{TKSK}', 'tksk', '{BINUANG}', '{BINUANG}', 'active', 1)",
    )
    await recount(store)


async def recount(store: Store) -> None:
    """The rekap's counts kept with every case write (`cases_rekap_counts`, migration cases0003),
    made again from the cases by the service's own recount: the rows written here with SQL went
    round the service. Nothing to do where the service groups the cases instead (an older tree
    measured for a before/after, which has no recount to import either)."""
    if not await store.has_table("cases_rekap_counts"):
        return
    from services.cases.adapters.cases import recount_rekap

    async with AsyncSession(store.engine) as session:
        await recount_rekap(session)
        await session.commit()


async def top_up_verify_pool(store: Store, wanted: int) -> None:
    """At least `wanted` cases in verification with our TKSK (reported ones count)."""
    have = len(await verify_items(store))
    if have >= wanted:
        return
    count = await store.scalar("SELECT count(*) FROM cases_cases WHERE case_id LIKE 'pool-%'")
    await store.run(*case_rows(store, f"pool-{count}", wanted - have, spread=False))
    await recount(store)


async def verify_items(store: Store) -> list[str]:
    return await store.column(
        "SELECT case_id FROM cases_cases WHERE status = 'in_verification' "
        "AND assigned_tksk_id = :tksk ORDER BY case_id",
        tksk=TKSK,
    )


async def seeded_cases(store: Store) -> list[str]:
    return await store.column("SELECT case_id FROM cases_cases WHERE case_id LIKE 'seed-%'")


# --- registry -----------------------------------------------------------------------------------


async def seed_persons(store: Store, count: int) -> None:
    """`count` persons in Tapin, each with a woman's NIK (day + 40: never one the register load
    makes) and the birth date it encodes; a second category on every fifth."""
    n_desa, n_cat = len(tapin_desa()), len(pmks_categories().codes())
    day, month, year = "(s.i % 28 + 1)", "(s.i / 28 % 12 + 1)", "(s.i / 336 % 100)"
    serial = "(s.i / 33600 % 9999 + 1)"
    nik = "'630501' || " + " || ".join(
        store.digits(part, width)
        for part, width in ((f"{day} + 40", 2), (month, 2), (year, 2), (serial, 4))
    )
    two = "s.i % 5 = 0 AND c2.code <> c1.code"
    when = store.moment("s.i * 5")
    await store.run(f"""
        WITH {lookups()}
        INSERT INTO registry_persons (person_id, nik, name, sex, birth_date, desa, kecamatan,
            categories, version, registered_at, updated_at, nik_review, merged_into)
        SELECT 'seed-' || s.i, {nik}, 'Warga ' || s.i, 'P',
            {store.date_of(f"1900 + {year}", month, day)}, d.code, d.kecamatan,
            CASE WHEN {two} THEN c1.code || ',' || c2.code ELSE c1.code END,
            1, {when}, {when}, NULL, NULL
        FROM {store.series(count)} JOIN desa d ON d.k = s.i % {n_desa}
            JOIN cat c1 ON c1.k = s.i % {n_cat} JOIN cat c2 ON c2.k = (s.i * 7 + 3) % {n_cat}""")


async def seeded_persons(store: Store) -> list[str]:
    return await store.column(
        "SELECT person_id FROM registry_persons WHERE person_id LIKE 'seed-%'"
    )


# --- training -----------------------------------------------------------------------------------


async def seed_batches(store: Store) -> None:
    """`BATCHES` dasar batches of Tapin with room for every enrolment of the run, 3 sessions
    each."""
    rule = store.json('\'{"min_sessions": null, "required_kinds": []}\'')
    kinds = table("kind", ("name",), [("classroom",), ("pkl",), ("discussion",)])
    await store.run(
        f"""
        INSERT INTO training_batches (batch_id, tier, organiser_wilayah, organiser, title,
            starts_on, ends_on, venue, capacity, completion_rule, status, enrolled, version,
            scheduled_at)
        SELECT 'batch-' || s.i, 'dasar', '{TAPIN}', 'Dinas Sosial Kabupaten Tapin',
            'Diklat Dasar PSM Angkatan ' || s.i, {store.day("s.i * 7")},
            {store.day(f"s.i * 7 + {SESSIONS_PER_BATCH - 1}")}, 'Aula Dinas Sosial, Rantau',
            1000000, {rule}, 'scheduled', 0, 1, {store.moment("s.i")}
        FROM {store.series(BATCHES)}""",
        f"""
        WITH {kinds}
        INSERT INTO training_sessions (session_id, batch_id, position, kind, date, title,
            location)
        SELECT 'batch-' || b.i || '-' || k.k, 'batch-' || b.i, k.k, k.name,
            {store.day("b.i * 7 + k.k")}, 'Sesi ' || (k.k + 1), 'Aula Dinas Sosial, Rantau'
        FROM {store.series(BATCHES, "b")}
            JOIN kind k ON k.k < {SESSIONS_PER_BATCH}""",
    )


async def top_up_workers(store: Store, wanted: int) -> None:
    """At least `wanted` active PSM of Tapin in training's projection, none enrolled yet."""
    have = len(await enrol_items(store))
    if have >= wanted:
        return
    count = int(await store.scalar("SELECT count(*) FROM training_workers"))
    n_desa = len(tapin_desa())
    await store.run(f"""
        WITH {lookups()}
        INSERT INTO training_workers (worker_id, role, wilayah, kecamatan, status, tier, sequence)
        SELECT 'psm-' || {store.digits(f"{count} + s.i", 7)}, 'psm', d.code, d.kecamatan,
            'active', NULL, 1
        FROM {store.series(wanted - have)} JOIN desa d ON d.k = s.i % {n_desa}""")


async def enrol_items(store: Store) -> list[str]:
    """`batch<TAB>worker` for every PSM not enrolled yet, the batches in turn."""
    batches = await batch_items(store)
    workers = await store.column(
        "SELECT worker_id FROM training_workers w WHERE role = 'psm' AND NOT EXISTS "
        "(SELECT 1 FROM training_enrolments e WHERE e.worker_id = w.worker_id) ORDER BY worker_id"
    )
    return [f"{batches[n % len(batches)]}\t{worker}" for n, worker in enumerate(workers)]


async def batch_items(store: Store) -> list[str]:
    return await store.column("SELECT batch_id FROM training_batches ORDER BY batch_id")


# --- notifications ------------------------------------------------------------------------------


async def seed_deliveries(store: Store, count: int) -> None:
    """`CONTACTS` workers of Tapin and `count` sent deliveries to them."""
    n_desa = len(tapin_desa())
    when = store.moment("s.i")
    contacts = f"""
        WITH {lookups()}
        INSERT INTO contacts (worker_id, name, phone, wilayah, status, sequence, updated_at)
        SELECT 'seed-worker-' || s.i, 'Petugas ' || s.i, '+62812' || {store.digits("s.i", 7)},
            d.code, 'active', 1, {when}
        FROM {store.series(CONTACTS)} JOIN desa d ON d.k = s.i % {n_desa}"""
    deliveries = f"""
        INSERT INTO deliveries (delivery_id, cause_event_id, correlation_id, recipient_id,
            channel, template, variables, status, attempts, version, next_attempt_at,
            lease_until, text, last_error, created_at, sent_at)
        SELECT 'seed-delivery-' || s.i, 'seed-event-' || s.i, NULL,
            'seed-worker-' || (s.i % {CONTACTS} + 1), 'in_app', 'case_assigned', '{{}}', 'sent',
            1, 3, NULL, NULL,
            'Yth. Petugas, ada kasus PMKS baru untuk Anda tangani (ref. ' || s.i || ').', NULL,
            {when}, {when}
        FROM {store.series(count)}"""
    await store.run(contacts, deliveries)


# --- back to the seeded state -------------------------------------------------------------------

KERNEL_RESET = (
    "TRUNCATE kesos_outbox, kesos_inbox, kesos_audit, kesos_idempotency, kesos_glass "
    "RESTART IDENTITY"
)
RESETS = {
    "cases": (
        "DELETE FROM cases_case_categories WHERE case_id NOT LIKE 'seed-%'",
        "DELETE FROM cases_steps WHERE case_id NOT LIKE 'seed-%'",
        "DELETE FROM cases_cases WHERE case_id NOT LIKE 'seed-%'",
    ),
    "registry": (
        "DELETE FROM registry_case_links",
        "DELETE FROM registry_reviews",
        "DELETE FROM registry_persons WHERE person_id NOT LIKE 'seed-%'",
    ),
    "training": (
        "DELETE FROM training_attendance",
        "DELETE FROM training_certificates",
        "DELETE FROM training_enrolments",
        "UPDATE training_batches SET enrolled = 0",
    ),
    "notifications": (),
}


async def reset(store: Store, service: str) -> None:
    """Everything the measured requests wrote, gone (PostgreSQL: the tables rewritten), so the
    floor starts from the state the service started from."""
    await store.run(KERNEL_RESET, *RESETS[service])
    if service == "cases":
        await recount(store)
    await store.maintain("VACUUM (FULL, ANALYZE)")
