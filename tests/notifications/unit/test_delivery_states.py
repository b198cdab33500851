"""A delivery's life: waiting_contact → pending → sending → sent, or retried, or failed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.notifications.domain.deliveries import (
    Delivery,
    DeliveryStatus,
    InvalidTransition,
    RetryPolicy,
)

NOW = datetime(2011, 5, 20, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
POLICY = RetryPolicy(max_attempts=3, base_delay_s=2.0, max_delay_s=5.0)


def recorded(*, contact_known: bool = True) -> Delivery:
    return Delivery.record(
        delivery_id="d-1",
        cause_event_id="e-1",
        recipient_id="w-1",
        channel="in_app",
        template="enrolment",
        variables={"batch_title": "Diklat Dasar PSM 2011"},
        contact_known=contact_known,
        now=NOW,
    )


def test_a_delivery_for_a_known_contact_is_pending_at_once() -> None:
    delivery = recorded()
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.is_due(NOW)


def test_a_delivery_for_an_unknown_contact_waits_and_is_not_due() -> None:
    delivery = recorded(contact_known=False)
    assert delivery.status is DeliveryStatus.WAITING_CONTACT
    assert not delivery.is_due(NOW + timedelta(days=1))
    with pytest.raises(InvalidTransition):
        delivery.claim(NOW, LEASE, "Yth. …")


def test_the_contact_arriving_makes_a_waiting_delivery_pending() -> None:
    delivery = recorded(contact_known=False)
    delivery.contact_arrived(NOW)
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.is_due(NOW)


def test_only_a_waiting_delivery_can_be_released() -> None:
    with pytest.raises(InvalidTransition):
        recorded().contact_arrived(NOW)


def test_claiming_counts_the_attempt_and_keeps_the_text_before_sending() -> None:
    delivery = recorded()
    delivery.claim(NOW, LEASE, "Yth. Siti")
    assert (delivery.status, delivery.attempts, delivery.text) == (
        DeliveryStatus.SENDING,
        1,
        "Yth. Siti",
    )
    assert delivery.lease_until == NOW + LEASE


def test_a_successful_send_is_sent_and_final() -> None:
    delivery = recorded()
    delivery.claim(NOW, LEASE, "Yth. Siti")
    delivery.succeed(NOW)
    assert delivery.status is DeliveryStatus.SENT
    assert delivery.sent_at == NOW
    assert (delivery.lease_until, delivery.next_attempt_at) == (None, None)
    assert delivery.finished
    assert not delivery.is_due(NOW + timedelta(days=1))
    with pytest.raises(InvalidTransition):
        delivery.claim(NOW, LEASE, "again")


def test_a_failed_attempt_is_retried_after_its_backoff() -> None:
    delivery = recorded()
    delivery.claim(NOW, LEASE, "Yth. Siti")
    delivery.fail("gateway down", NOW, POLICY)
    assert delivery.status is DeliveryStatus.PENDING
    assert delivery.last_error == "gateway down"
    assert not delivery.is_due(NOW + timedelta(seconds=1))
    assert delivery.is_due(NOW + timedelta(seconds=2))


def test_the_last_allowed_attempt_failing_fails_the_delivery() -> None:
    delivery = recorded()
    at = NOW
    for _ in range(POLICY.max_attempts):
        at += timedelta(minutes=1)
        delivery.claim(at, LEASE, "Yth. Siti")
        delivery.fail("gateway down", at, POLICY)
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.attempts == POLICY.max_attempts
    assert not delivery.is_due(at + timedelta(days=1))


def test_a_permanent_failure_is_not_retried() -> None:
    delivery = recorded()
    delivery.claim(NOW, LEASE)
    delivery.fail("template lacks name", NOW, POLICY, permanent=True)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)


def test_a_sending_delivery_whose_lease_ran_out_is_due_again() -> None:
    delivery = recorded()
    delivery.claim(NOW, LEASE, "Yth. Siti")
    assert not delivery.is_due(NOW + LEASE - timedelta(seconds=1))
    assert delivery.is_due(NOW + LEASE)
    delivery.claim(NOW + LEASE, LEASE, "Yth. Siti")
    assert delivery.attempts == 2


def test_outcomes_need_a_claimed_delivery() -> None:
    with pytest.raises(InvalidTransition):
        recorded().succeed(NOW)
    with pytest.raises(InvalidTransition):
        recorded().fail("x", NOW, POLICY)


def test_every_change_bumps_the_version() -> None:
    delivery = recorded(contact_known=False)
    versions = [delivery.version]
    delivery.contact_arrived(NOW)
    versions.append(delivery.version)
    delivery.claim(NOW, LEASE, "Yth. Siti")
    versions.append(delivery.version)
    delivery.succeed(NOW)
    versions.append(delivery.version)
    assert versions == [1, 2, 3, 4]


def test_backoff_doubles_from_the_base_up_to_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, base_delay_s=2.0, max_delay_s=30.0)
    delays = [policy.delay_after(attempt).total_seconds() for attempt in range(1, 7)]
    assert delays == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_the_default_policy_gives_up_after_five_attempts() -> None:
    policy = RetryPolicy()
    assert not policy.gives_up_after(4)
    assert policy.gives_up_after(5)
