"""Stream consumers: registry's worker contacts feed contacts; training's and cases' events make
deliveries; cases' assignments say whom registry's `person_merged` concerns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import structlog

from services.notifications.domain.case_notices import (
    AWAITING_APPROVAL,
    CASE_REF_LENGTH,
    assigned_tksk,
    case_words,
    reporting_psm,
)
from services.notifications.domain.deadline_notices import awaiting_worker, deadline_words
from services.notifications.domain.officers import OVERSIGHT_TEMPLATE, Officers, glass_words
from services.notifications.domain.templates import Template, TemplateBook
from services.notifications.use_cases.contacts import project_contact, project_officer
from services.notifications.use_cases.deliveries import record_delivery
from shared.contracts.cases import (
    CaseAssessed,
    CaseAssigned,
    CaseClosed,
    CaseClosureRequested,
    CaseDeadline,
    CaseDueSoon,
    CaseEscalated,
    CaseOverdue,
    CasePlanned,
    CaseReassigned,
    CaseRecordOpened,
    CaseReferralDeclined,
    CaseReturned,
    CaseStep,
    CaseVerified,
)
from shared.contracts.envelope import Event
from shared.contracts.oversight import ProtectedRecordOpened
from shared.contracts.registry import (
    WORKER_EVENTS_V1,
    PersonMerged,
    PersonRecordOpened,
    WorkerContact,
    WorkerStateV1,
)
from shared.contracts.training import BatchStarting, CertificateIssued, ParticipantEnrolled
from shared.ids import new_id
from shared.messaging.runner import Handler, HandlerContext
from shared.reference.calendar import wita_day

log = structlog.get_logger(__name__)

ENROLMENT = "enrolment"
CERTIFICATE = "certificate"
CASE_ASSIGNED = "case_assigned"
CASE_REASSIGNED = "case_reassigned"
CASE_VERIFIED = "case_verified"
CASE_RETURNED = "case_returned"
CASE_CLOSED = "case_closed"
GLASS = OVERSIGHT_TEMPLATE
PERSON_MERGED = "person_merged"
CLOSURE_REQUESTED = "closure_requested"
APPROVAL_REQUESTED = "approval_requested"
REFERRAL_DECLINED = "referral_declined"
DIKLAT_REMINDER = "diklat_reminder"
DEADLINE_TEMPLATES: dict[type[CaseDeadline], str] = {
    CaseDueSoon: "case_due_soon",
    CaseOverdue: "case_overdue",
    CaseEscalated: "case_escalated",
}
# A case step older than this is history, not news: the first start of a notifications that
# reads the cases stream (its group starts at 0) must not message every TKSK about every case
# it ever had. A week is the verification deadline the assignment message gives.
CASE_NOTICE_MAX_AGE = timedelta(days=7)

Apply = Callable[[Any, HandlerContext], Awaitable[None]]
CONTACT_EVENTS: tuple[type[Event], ...] = (WorkerContact, *WORKER_EVENTS_V1)
Recipient = Callable[[CaseStep], str | None]


async def on_worker_contact(event: WorkerContact | WorkerStateV1, context: HandlerContext) -> None:
    # An event without a sequence can only create the contact, never overwrite a newer one.
    await project_contact(context.uow, event, context.envelope.sequence or 0, context.now)


def notice(template: Template, channel: str) -> Apply:
    """A handler telling the event's worker about it with `template`."""

    async def apply(
        event: ParticipantEnrolled | CertificateIssued, context: HandlerContext
    ) -> None:
        await record_delivery(
            context.uow,
            template=template,
            recipient_id=event.worker_id,
            channel=channel,
            cause=context.envelope,
            event_data=event.model_dump(mode="json"),
            delivery_id=new_id(),
            now=context.now,
        )

    return apply


def case_notice(template: Template, channel: str, recipient: Recipient) -> Apply:
    """A handler telling `recipient` of a case step, in names rather than the event's codes."""

    async def apply(event: CaseStep, context: HandlerContext) -> None:
        if context.now - event.at > CASE_NOTICE_MAX_AGE:
            log.info("case_notice_too_old", template=template.name, case_id=event.case_id)
            return
        recipient_id = recipient(event)
        if recipient_id is None:
            # Nobody to tell (a walk-in report): the event is done, not retried.
            log.debug(
                "case_notice_has_no_recipient",
                template=template.name,
                case_id=event.case_id,
                reporter_role=event.reporter_role,
            )
            return
        await record_delivery(
            context.uow,
            template=template,
            recipient_id=recipient_id,
            channel=channel,
            cause=context.envelope,
            event_data={**event.model_dump(mode="json"), **case_words(event)},
            delivery_id=new_id(),
            now=context.now,
        )

    return apply


async def on_case_assignee(event: CaseStep, context: HandlerContext) -> None:
    """Which TKSK a case waits on now, whatever the age of the step."""
    if event.assigned_tksk_id is not None:
        sequence = context.envelope.sequence or 0
        await context.uow.case_assignees.project(event.case_id, event.assigned_tksk_id, sequence)


def merge_notice(template: Template, channel: str) -> Apply:
    """A handler telling the TKSK of a person's cases that the registry found two records of
    theirs to be one person: two of the cases may be one report made twice."""

    async def apply(event: PersonMerged, context: HandlerContext) -> None:
        if len(event.cases) < 2 or context.now - context.envelope.time > CASE_NOTICE_MAX_AGE:
            return  # one case: nothing to compare; an old merge: history, not news
        assignees = await context.uow.case_assignees.of(list(event.cases))
        refs = ", ".join(case_id[:CASE_REF_LENGTH] for case_id in event.cases)
        for tksk_id in sorted(set(assignees.values())):
            await record_delivery(
                context.uow, template=template, recipient_id=tksk_id, channel=channel,
                cause=context.envelope, event_data={**event.model_dump(mode="json"),
                                                    "case_refs": refs},
                delivery_id=new_id(), now=context.now,
            )  # fmt: skip

    return apply


def glass_notice(template: Template, channel: str, officers: Officers) -> Apply:
    """A handler telling the designated officers covering a record that its glass was broken."""

    async def apply(event: ProtectedRecordOpened, context: HandlerContext) -> None:
        words = glass_words(event.record_type, event.record_id, event.expires_at)
        data = {**event.model_dump(mode="json"), **words}
        recipients = await covering(context, officers, event.wilayah, template)
        await tell(context, template, channel, recipients, data)

    return apply


def deadline_notice(template: Template, channel: str, operators: Officers, *, dinas: bool) -> Apply:
    """A handler telling whom a case's step waits on of its deadline — the worker, or the
    Dinas's operators of the case's wilayah (always, with `dinas`: escalations)."""

    async def apply(event: CaseDeadline, context: HandlerContext) -> None:
        if context.now - context.envelope.time > CASE_NOTICE_MAX_AGE:
            return  # history, not news
        worker = None if dinas else awaiting_worker(event)
        data = {**event.model_dump(mode="json"), **deadline_words(event)}
        recipients = (
            [worker] if worker else await covering(context, operators, event.desa, template)
        )
        await tell(context, template, channel, recipients, data)

    return apply


def approval_notice(template: Template, channel: str, operators: Officers) -> Apply:
    """A handler telling the Dinas's operators of the case's wilayah that a step awaits their
    approval: a closure, or an assessment or plan the approvals configuration sends to them."""

    async def apply(event: CaseStep, context: HandlerContext) -> None:
        if context.now - event.at > CASE_NOTICE_MAX_AGE or event.due_day is None:
            return  # history, or a step from before deadlines were kept
        if event.status not in AWAITING_APPROVAL:
            return  # approved without the Dinas (the configuration asks for none)
        data = {**event.model_dump(mode="json"), **case_words(event)}
        recipients = await covering(context, operators, event.desa, template)
        await tell(context, template, channel, recipients, data)

    return apply


def reminder_notice(template: Template, channel: str) -> Apply:
    """A handler reminding each participant of a diklat batch that starts tomorrow."""

    async def apply(event: BatchStarting, context: HandlerContext) -> None:
        if wita_day(context.now) > event.starts_on:
            return  # it has started: a reminder is no use now
        data = event.model_dump(mode="json")
        await tell(context, template, channel, list(event.participants), data)

    return apply


async def covering(
    context: HandlerContext, staff: Officers, wilayah: str, template: Template
) -> list[str]:
    """The ids of the staff covering `wilayah`, each projected as a contact first (their name
    for the message)."""
    found = staff.covering(wilayah)
    if not found:
        log.warning("nobody_on_staff_to_tell", template=template.name, wilayah=wilayah)
    for member in found:
        await project_officer(context.uow, member, context.now)
    return [member.officer_id for member in found]


async def tell(
    context: HandlerContext,
    template: Template,
    channel: str,
    recipients: list[str],
    data: dict[str, Any],
) -> None:
    """One delivery to each recipient."""
    for recipient_id in recipients:
        await record_delivery(
            context.uow, template=template, recipient_id=recipient_id, channel=channel,
            cause=context.envelope, event_data=data, delivery_id=new_id(),
            now=context.now,
        )  # fmt: skip


def consumer_handlers(
    book: TemplateBook,
    channel: str,
    officers: Officers | None = None,
    operators: Officers | None = None,
) -> list[Handler]:
    """Handler names are the inbox keys: stable, never a replica's name.

    Handling a cases event is also what subscribes the service to `<ns>.cases.events`: the bus
    derives its source streams from the handled event types.
    """
    # A missing template stops start-up, not a batch.
    book.require(
        ENROLMENT, CERTIFICATE, CASE_ASSIGNED, CASE_REASSIGNED, CASE_VERIFIED, CASE_RETURNED,
        CASE_CLOSED, GLASS, PERSON_MERGED, *DEADLINE_TEMPLATES.values(), CLOSURE_REQUESTED,
        DIKLAT_REMINDER, APPROVAL_REQUESTED, REFERRAL_DECLINED,
    )  # fmt: skip
    told = glass_notice(book[GLASS], channel, officers or Officers())
    merged = merge_notice(book[PERSON_MERGED], channel)
    dinas = operators or Officers()

    def deadline(event: type[CaseDeadline]) -> Handler:
        template = DEADLINE_TEMPLATES[event]
        notice = deadline_notice(book[template], channel, dinas, dinas=event is CaseEscalated)
        return Handler(f"notifications.{template}", event, notice)

    def to_tksk(template: str) -> Apply:
        return case_notice(book[template], channel, assigned_tksk)

    def to_psm(template: str) -> Apply:
        return case_notice(book[template], channel, reporting_psm)

    return [
        # A worker's contact comes on registry's restricted stream; v1 entries on its public
        # stream carried it too, and stay readable.
        *(Handler("notifications.contacts", event, on_worker_contact) for event in CONTACT_EVENTS),
        Handler("notifications.enrolment", ParticipantEnrolled, notice(book[ENROLMENT], channel)),
        Handler("notifications.certificate", CertificateIssued, notice(book[CERTIFICATE], channel)),
        Handler(
            "notifications.diklat_reminder",
            BatchStarting,
            reminder_notice(book[DIKLAT_REMINDER], channel),
        ),
        Handler("notifications.case_assigned", CaseAssigned, to_tksk(CASE_ASSIGNED)),
        Handler("notifications.case_reassigned", CaseReassigned, to_tksk(CASE_REASSIGNED)),
        Handler("notifications.case_verified", CaseVerified, to_psm(CASE_VERIFIED)),
        Handler("notifications.case_returned", CaseReturned, to_psm(CASE_RETURNED)),
        Handler("notifications.case_closed", CaseClosed, to_psm(CASE_CLOSED)),
        *(
            Handler("notifications.case_assignees", event, on_case_assignee)
            for event in (CaseAssigned, CaseReassigned)
        ),
        Handler("notifications.person_merged", PersonMerged, merged),
        *(deadline(event) for event in DEADLINE_TEMPLATES),
        Handler(
            "notifications.closure_requested",
            CaseClosureRequested,
            approval_notice(book[CLOSURE_REQUESTED], channel, dinas),
        ),
        *(
            Handler(
                "notifications.approval_requested",
                event,
                approval_notice(book[APPROVAL_REQUESTED], channel, dinas),
            )
            for event in (CaseAssessed, CasePlanned)
        ),
        Handler(
            "notifications.referral_declined", CaseReferralDeclined, to_tksk(REFERRAL_DECLINED)
        ),
        # From the restricted oversight streams of cases and registry.
        Handler("notifications.glass_opened", CaseRecordOpened, told),
        Handler("notifications.glass_opened", PersonRecordOpened, told),
    ]
