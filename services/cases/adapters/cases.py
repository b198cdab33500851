"""Cases and their steps in the store; a save is refused when the case's version moved."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Table,
    and_,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy import (
    case as sql_case,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import CompoundSelect
from sqlalchemy.sql.dml import Insert

from services.cases.adapters.tables import (
    ANY_PROTECTED,
    DESA,
    KECAMATAN,
    SLOTS,
    case_categories,
    cases,
    deadlines,
    referrals,
    rekap_counts,
    steps,
)
from services.cases.domain.actors import ActorRole
from services.cases.domain.cases import Case, CaseTransitioned
from services.cases.domain.errors import ConcurrentUpdate
from services.cases.domain.kpis import CaseTimes
from services.cases.domain.persons import PersonDetails
from services.cases.domain.plans import PlanItem
from services.cases.domain.reasons import ClosureReason, DeclineReason, RejectionReason, RiskLevel
from services.cases.domain.referrals import Referral, ReferralOutcome, ReferralStatus
from services.cases.domain.states import Action, CaseState
from shared.persistence.projection import upsert_many
from shared.persistence.scope import inside
from shared.reference import pmks_categories
from shared.security.disclosure import is_protected

FINAL_STATES = (CaseState.REJECTED.value, CaseState.CLOSED.value)
Append = Callable[[Table | Insert, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class StoredCase:
    case: Case
    person: PersonDetails | None  # as typed in; None when reported by registry person id
    person_id: str | None  # the registry's person, once known (at report, or when linked)


@dataclass(frozen=True, slots=True)
class Step:
    sequence: int
    action: str
    from_state: str | None
    to_state: str
    actor_id: str
    actor_role: str
    at: datetime
    reason: str | None
    details: dict[str, Any]


@dataclass(frozen=True)
class CaseFilter:
    """A list query: the caller's scope, narrowed by what it asked for."""

    scope: str
    status: str | None = None
    assigned_to: str | None = None
    reported_by: str | None = None
    after: tuple[datetime, str] | None = None  # cursor: (reported_at, case_id) of the last item


class Queue(StrEnum):
    AWAITING_ME = "awaiting-me"  # the next step is the caller's, by role and relation
    OVERDUE = "overdue"
    DUE_SOON = "due-soon"


@dataclass(frozen=True)
class QueueFilter:
    """A work queue: the caller's scope and who they are, sorted by the deadline."""

    queue: Queue
    scope: str
    now: datetime
    role: str
    sub: str
    reported_by: str | None = None  # a PSM sees their own reports only
    after: tuple[datetime, str] | None = None  # cursor: (due_at, case_id) of the last item


class CaseRepository:
    def __init__(self, session: AsyncSession, append: Append) -> None:
        self._session = session
        self._append = append  # the unit of work's: a step is written with its events

    async def add(self, case: Case, person: PersonDetails | None, person_id: str | None) -> None:
        """A new case with the person as typed in, or the registry person it names."""
        row = {**_row(case), "person_ref": case.person_ref, "person": _person_data(person)}
        self._append(cases, {**row, "person_id": person_id})  # written with its steps
        self._add_categories(case.case_id, case.categories)
        self._count(case, +1)

    async def get(self, case_id: str) -> StoredCase | None:
        query = select(cases).where(cases.c.case_id == case_id)
        row = (await self._session.execute(query)).mappings().first()
        return None if row is None else _stored(row)

    async def save(self, case: Case, over: Case) -> None:
        """Write the case's new state only over `over`, the case as it was read (its version)."""
        statement = (
            update(cases)
            .where(cases.c.case_id == case.case_id, cases.c.version == over.version)
            .values(**_row(case))
        )
        result = cast(CursorResult[Any], await self._session.execute(statement))
        if result.rowcount != 1:
            raise ConcurrentUpdate()
        if set(case.categories) != set(over.categories):  # only a verification corrects them
            await self._replace_categories(case)
        if case.referrals != over.referrals:
            await self._keep_referrals(case, over)
        if _rekap_keys(case) != _rekap_keys(over):
            self._count(over, -1)
            self._count(case, +1)

    async def _keep_referrals(self, case: Case, over: Case) -> None:
        """The referrals to institutions that are new or answered, as `cases_referrals` rows."""
        changed = [r for r in case.referrals if r.institution_id and r not in over.referrals]
        rows = [
            {"referral_id": r.referral_id, "case_id": case.case_id,
             "institution_id": r.institution_id, "status": r.status.value,
             "referred_at": r.referred_at}
            for r in changed
        ]  # fmt: skip
        await upsert_many(self._session, referrals, rows)

    async def referred_to(
        self,
        institution_id: str,
        status: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> list[tuple[StoredCase, str, datetime]]:
        """The cases referred to an institution, with the referral's id and time, the newest
        first (a case referred to it twice, twice)."""
        referral = (referrals.c.referral_id.label("referral_key"),
                    referrals.c.referred_at.label("referral_at"))  # fmt: skip
        query = (
            select(cases, *referral)
            .join(referrals, referrals.c.case_id == cases.c.case_id)
            .where(referrals.c.institution_id == institution_id)
        )
        if status is not None:
            query = query.where(referrals.c.status == status)
        if after is not None:
            at, referral_id = after
            query = query.where(or_(
                referrals.c.referred_at < at,
                and_(referrals.c.referred_at == at, referrals.c.referral_id < referral_id),
            ))  # fmt: skip
        query = query.order_by(referrals.c.referred_at.desc(), referrals.c.referral_id.desc())
        rows = (await self._session.execute(query.limit(limit))).mappings().all()
        return [(_stored(row), row["referral_key"], row["referral_at"]) for row in rows]

    def _count(self, case: Case, delta: int) -> None:
        """Move the case's rekap counts, in this transaction (written with its last rows)."""
        slot = random.randrange(SLOTS)  # any slot: the rekap sums them
        counting = COUNTING[self._session.get_bind().dialect.name]
        for depth, area in ((KECAMATAN, case.kecamatan), (DESA, case.desa)):
            for category in _counted_as(case):
                self._append(counting, {
                    "depth": depth, "area": area, "category": category,
                    "status": case.status.value, "slot": slot, "kecamatan": case.kecamatan,
                    "cases": delta,
                })  # fmt: skip

    async def person_link(self, case_id: str) -> tuple[str, str | None] | None:
        """The case's desa and registry person id (None: not linked yet); None: no such case."""
        query = select(cases.c.desa, cases.c.person_id).where(cases.c.case_id == case_id)
        row = (await self._session.execute(query)).first()
        return None if row is None else (row.desa, row.person_id)

    async def link_person(self, case_id: str, person_id: str) -> bool:
        """Set the case's registry person unless it has one: the first link stands."""
        statement = (
            update(cases)
            .where(cases.c.case_id == case_id, cases.c.person_id.is_(None))
            .values(person_id=person_id)
        )
        result = cast(CursorResult[Any], await self._session.execute(statement))
        return bool(result.rowcount)

    async def relink_merged(
        self, person_id: str, into: str, case_ids: Collection[str]
    ) -> list[tuple[str, str]]:
        """The cases about `person_id`, and those of `case_ids` not linked yet, now about
        `into` (the registry merged the records); each changed case's id and desa."""
        about = or_(
            cases.c.person_id == person_id,
            and_(cases.c.case_id.in_(sorted(case_ids)), cases.c.person_id.is_(None)),
        )
        found = await self._session.execute(
            select(cases.c.case_id, cases.c.desa).where(about).order_by(cases.c.case_id)
        )
        changed = [(row.case_id, row.desa) for row in found]
        if changed:
            await self._session.execute(
                update(cases)
                .where(cases.c.case_id.in_([case_id for case_id, _ in changed]))
                .values(person_id=into)
            )
        return changed

    def _add_categories(self, case_id: str, codes: Iterable[str]) -> None:
        for code in codes:
            self._append(case_categories, {"case_id": case_id, "category": code})

    async def _replace_categories(self, case: Case) -> None:
        where = case_categories.c.case_id == case.case_id
        await self._session.execute(delete(case_categories).where(where))
        self._add_categories(case.case_id, case.categories)

    async def add_step(self, event: CaseTransitioned) -> None:
        self._append(steps, _step_row(event))

    async def steps_of(self, case_id: str) -> list[Step]:
        query = select(steps).where(steps.c.case_id == case_id).order_by(steps.c.sequence)
        rows = (await self._session.execute(query)).mappings().all()
        return [Step(**{k: v for k, v in row.items() if k != "case_id"}) for row in rows]

    async def waiting_in(self, kecamatan: str) -> list[StoredCase]:
        query = select(cases).where(
            cases.c.kecamatan == kecamatan,
            cases.c.status == CaseState.REPORTED.value,
            cases.c.assigned_tksk_id.is_(None),
        )
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        rows = (await self._session.execute(query)).mappings().all()
        return [_stored(row) for row in rows]

    async def matching(self, wanted: CaseFilter, limit: int) -> list[StoredCase]:
        query = select(cases).where(*_conditions(wanted))
        query = query.order_by(cases.c.reported_at, cases.c.case_id).limit(limit)
        rows = (await self._session.execute(query)).mappings().all()
        return [_stored(row) for row in rows]

    async def in_queue(self, wanted: QueueFilter, limit: int) -> list[tuple[StoredCase, datetime]]:
        """The open cases of a work queue with their deadline's end, the nearest first."""
        conditions = [inside(cases.c.desa, wanted.scope), *_queue_conditions(wanted)]
        if wanted.reported_by:
            conditions.append(cases.c.reported_by == wanted.reported_by)
        if wanted.after is not None:
            at, case_id = wanted.after
            conditions.append(or_(
                deadlines.c.due_at > at, and_(deadlines.c.due_at == at, cases.c.case_id > case_id)
            ))  # fmt: skip
        query = (
            select(cases, deadlines.c.due_at.label("deadline_due_at"))
            .join(deadlines, deadlines.c.case_id == cases.c.case_id)
            .where(*conditions).order_by(deadlines.c.due_at, cases.c.case_id).limit(limit)
        )  # fmt: skip
        rows = (await self._session.execute(query)).mappings().all()
        return [(_stored(row), row["deadline_due_at"]) for row in rows]

    async def times_in(self, scope: str) -> list[CaseTimes]:
        """Each case of the wilayah with its times: when first assigned and verified, closed,
        and its next deadline's end (the key figures, `domain.kpis`)."""

        def first(action: Action) -> Any:
            return (
                select(func.min(steps.c.at)).where(
                    steps.c.case_id == cases.c.case_id, steps.c.action == action.value
                ).scalar_subquery()
            )  # fmt: skip

        query = (
            select(cases.c.case_id, cases.c.assigned_tksk_id, cases.c.status,
                   cases.c.reported_at, first(Action.ASSIGN), first(Action.VERIFY),
                   cases.c.closed_at, deadlines.c.due_at)
            .outerjoin(deadlines, deadlines.c.case_id == cases.c.case_id)
            .where(inside(cases.c.desa, scope))
        )  # fmt: skip
        rows = await self._session.execute(query)
        return [
            CaseTimes(case_id, tksk, status not in FINAL_STATES, *times)
            for case_id, tksk, status, *times in rows
        ]

    async def rekap(
        self, scope: str, *, protected_as: str | None = None
    ) -> Counter[tuple[str, str, str]]:
        """Cases per (kecamatan, PMKS category, status); a case counts once per category, or —
        with `protected_as` — once in all protected categories together, named so.

        Summed from the counts kept with every write (`rekap_counts`): a desa's own, else its
        kecamatan's, so a province's rekap costs what a few thousand rows cost, however many
        cases it holds."""
        label: ColumnElement[str] = rekap_counts.c.category
        if protected_as is None:
            wanted = label != ANY_PROTECTED
        else:
            wanted = label.not_in(sorted(pmks_categories().sensitive()))
            label = sql_case((label == ANY_PROTECTED, protected_as), else_=label)
        total = func.sum(rekap_counts.c.cases)
        keys = (rekap_counts.c.kecamatan, label, rekap_counts.c.status)
        query = (
            select(*keys, total)
            .where(rekap_counts.c.depth == _depth(scope), inside(rekap_counts.c.area, scope))
            .where(wanted)
            .group_by(*keys)
            .having(total > 0)
        )
        rows = await self._session.execute(query)
        return Counter({(kecamatan, code, status): n for kecamatan, code, status, n in rows})


def _counting(dialect: Any) -> Insert:
    """An upsert adding to a count, in the dialect's ON CONFLICT (built once: the unit of work
    batches the rows of one statement)."""
    statement = dialect.insert(rekap_counts)
    keys = [column.name for column in rekap_counts.primary_key.columns]
    added = {"cases": rekap_counts.c.cases + statement.excluded.cases}
    return cast(Insert, statement.on_conflict_do_update(index_elements=keys, set_=added))


COUNTING = {"postgresql": _counting(postgresql), "sqlite": _counting(sqlite)}


async def recount_rekap(session: AsyncSession) -> int:
    """Make the rekap's counts again from the cases (after an upgrade that old replicas wrote
    through, or a change of the protected categories); the number of count rows.

    Writers wait meanwhile (PostgreSQL: the table locked first, so every write either is in
    the count or adds to it after; SQLite has one writer at a time anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text(f"LOCK TABLE {rekap_counts.name} IN EXCLUSIVE MODE"))
    await session.execute(delete(rekap_counts))
    columns = [column.name for column in rekap_counts.columns]  # as `_recount` selects them
    await session.execute(insert(rekap_counts).from_select(columns, _recount()))
    counted = await session.execute(select(func.count()).select_from(rekap_counts))
    return int(counted.scalar_one())


def _recount() -> CompoundSelect[Any]:
    """Every case counted once per category and once in ANY_PROTECTED if it holds a protected
    one, per kecamatan and per desa: the counts the writes keep, made in one query."""
    joined = cases.join(case_categories, case_categories.c.case_id == cases.c.case_id)
    protected = case_categories.c.category.in_(sorted(pmks_categories().sensitive()))
    parts = []
    for depth, area in ((KECAMATAN, cases.c.kecamatan), (DESA, cases.c.desa)):
        keys = (area, cases.c.status, cases.c.kecamatan)
        parts.append(
            select(
                literal(depth), area, case_categories.c.category, cases.c.status, literal(0),
                cases.c.kecamatan, func.count(),
            ).select_from(joined).group_by(*keys, case_categories.c.category)
        )  # fmt: skip
        parts.append(
            select(
                literal(depth), area, literal(ANY_PROTECTED), cases.c.status, literal(0),
                cases.c.kecamatan, func.count(cases.c.case_id.distinct()),
            ).select_from(joined).where(protected).group_by(*keys)
        )  # fmt: skip
    return union_all(*parts)


def _depth(scope: str) -> int:
    """The counts a rekap of `scope` sums: a desa's own, or the kecamatan rows inside it."""
    return DESA if scope.count(".") + 1 >= DESA else KECAMATAN


def _rekap_keys(case: Case) -> tuple[str, str, frozenset[str]]:
    return case.desa, case.status.value, _counted_as(case)


def _counted_as(case: Case) -> frozenset[str]:
    """The rekap categories a case counts in: its own, and ANY_PROTECTED if one is protected."""
    codes = frozenset(case.categories)
    return codes | {ANY_PROTECTED} if is_protected(codes) else codes


def _queue_conditions(wanted: QueueFilter) -> list[ColumnElement[bool]]:
    if wanted.queue is Queue.OVERDUE:
        return [deadlines.c.due_at <= wanted.now]
    if wanted.queue is Queue.DUE_SOON:
        return [deadlines.c.due_soon_at <= wanted.now, deadlines.c.due_at > wanted.now]
    if wanted.role in (ActorRole.OPERATOR, ActorRole.ADMIN):  # any operator of the wilayah
        return [deadlines.c.awaiting_role == ActorRole.OPERATOR.value]
    return [deadlines.c.awaiting_role == wanted.role, deadlines.c.awaiting_id == wanted.sub]


def _conditions(wanted: CaseFilter) -> list[ColumnElement[bool]]:
    conditions = [inside(cases.c.desa, wanted.scope)]
    if wanted.status:
        conditions.append(cases.c.status == wanted.status)
    if wanted.assigned_to:
        conditions.append(cases.c.assigned_tksk_id == wanted.assigned_to)
    if wanted.reported_by:
        conditions.append(cases.c.reported_by == wanted.reported_by)
    if wanted.after is not None:
        at, case_id = wanted.after
        conditions.append(
            or_(
                cases.c.reported_at > at,
                and_(cases.c.reported_at == at, cases.c.case_id > case_id),
            )
        )
    return conditions


def _row(case: Case) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "categories": list(case.categories),
        "desa": case.desa,
        "kecamatan": case.kecamatan,
        "status": case.status.value,
        "reported_by": case.reported_by,
        "reporter_role": case.reporter_role.value,
        "assigned_tksk_id": case.assigned_tksk_id,
        "description": case.description,
        "risk_level": case.risk_level.value if case.risk_level else None,
        "needs": list(case.needs),
        "referrals": [_referral_data(referral) for referral in case.referrals],
        "follow_ups": case.follow_ups,
        "rejection_reason": case.rejection_reason.value if case.rejection_reason else None,
        "closure_reason": case.closure_reason.value if case.closure_reason else None,
        "version": case.version,
        "reported_at": case.reported_at,
        "updated_at": case.updated_at,
        "closed_at": case.closed_at,
        "plan": [_plan_item_data(item) for item in case.plan] or None,
    }


def _referral_data(referral: Referral) -> dict[str, Any]:
    return {
        "referral_id": referral.referral_id,
        "service": referral.service,
        "consent": referral.consent,
        "override_reason": referral.override_reason,
        "referred_at": referral.referred_at.isoformat(),
        "referred_by": referral.referred_by,
        "institution_id": referral.institution_id,
        "status": referral.status.value,
        "answered_at": _iso(referral.answered_at),
        "answered_by": referral.answered_by,
        "decline_reason": referral.decline_reason.value if referral.decline_reason else None,
        "outcome": referral.outcome.value if referral.outcome else None,
        "note": referral.note,
        "completed_at": _iso(referral.completed_at),
    }


def _referral(data: dict[str, Any]) -> Referral:
    """A stored referral; those stored before their lifecycle was kept read as `sent`."""
    decline, outcome = data.get("decline_reason"), data.get("outcome")
    return Referral(
        data["referral_id"], data["service"], bool(data["consent"]), data["override_reason"],
        datetime.fromisoformat(data["referred_at"]), data["referred_by"],
        institution_id=data.get("institution_id"),
        status=ReferralStatus(data.get("status", ReferralStatus.SENT.value)),
        answered_at=_moment(data.get("answered_at")), answered_by=data.get("answered_by"),
        decline_reason=DeclineReason(decline) if decline else None,
        outcome=ReferralOutcome(outcome) if outcome else None, note=data.get("note"),
        completed_at=_moment(data.get("completed_at")),
    )  # fmt: skip


def _plan_item_data(item: PlanItem) -> dict[str, Any]:
    return {
        "service": item.service, "provider": item.provider,
        "target_date": item.target_date.isoformat(),
    }  # fmt: skip


def _plan_item(data: dict[str, Any]) -> PlanItem:
    return PlanItem(data["service"], data["provider"], date.fromisoformat(data["target_date"]))


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _stored(row: Any) -> StoredCase:
    case = Case(
        case_id=row["case_id"], person_ref=row["person_ref"],
        categories=tuple(row["categories"]), desa=row["desa"], kecamatan=row["kecamatan"],
        description=row["description"], status=CaseState(row["status"]),
        reported_by=row["reported_by"], reporter_role=ActorRole(row["reporter_role"]),
        assigned_tksk_id=row["assigned_tksk_id"],
        risk_level=RiskLevel(row["risk_level"]) if row["risk_level"] else None,
        needs=tuple(row["needs"]), referrals=tuple(_referral(r) for r in row["referrals"]),
        follow_ups=row["follow_ups"],
        rejection_reason=RejectionReason(row["rejection_reason"])
        if row["rejection_reason"] else None,
        closure_reason=ClosureReason(row["closure_reason"]) if row["closure_reason"] else None,
        version=row["version"], reported_at=row["reported_at"], updated_at=row["updated_at"],
        closed_at=row["closed_at"], plan=tuple(_plan_item(item) for item in row["plan"] or ()),
    )  # fmt: skip
    return StoredCase(case, _person(row["person"]), row["person_id"])


def _person_data(person: PersonDetails | None) -> dict[str, Any] | None:
    if person is None:
        return None
    birth = person.birth_date.isoformat() if person.birth_date else None
    return {"name": person.name, "sex": person.sex, "nik": person.nik, "birth_date": birth}


def _person(data: dict[str, Any] | None) -> PersonDetails | None:
    if data is None:
        return None
    birth = date.fromisoformat(data["birth_date"]) if data.get("birth_date") else None
    return PersonDetails(name=data["name"], sex=data["sex"], nik=data.get("nik"), birth_date=birth)


def _step_row(event: CaseTransitioned) -> dict[str, Any]:
    details = {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in event.details.items()
    }
    return {
        "case_id": event.case_id,
        "sequence": event.sequence,
        "action": event.action.value,
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role.value,
        "at": event.at,
        "reason": event.reason,
        "details": details,
    }
