"""`incompatibilities` tells a safe change of a published event type from a breaking one.

Each test publishes version "before" of `kesos.sample.case_reported.v1` in one catalog and an
edited "after" in another, then compares their data schemas as `kesos events check` would.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import ClassVar
from uuid import UUID

import pytest
from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import Event, EventCatalog
from shared.contracts.compatibility import incompatibilities
from shared.contracts.schemas import data_schema

TYPE = "kesos.sample.case_reported.v1"


class Address(BaseModel):
    model_config = ConfigDict(frozen=True)

    kecamatan: str
    rt: int


class AddressWithTextRt(BaseModel):
    model_config = ConfigDict(frozen=True)

    kecamatan: str
    rt: str


class Urgency(enum.StrEnum):
    LOW = "low"
    HIGH = "high"


class UrgencyWithCritical(enum.StrEnum):
    LOW = "low"
    HIGH = "high"
    CRITICAL = "critical"


class CaseEvent(Event):
    type: ClassVar[str] = TYPE
    subject_field: ClassVar[str] = "case_id"


class Published(CaseEvent):
    """The version already in docs/events."""

    case_id: UUID
    category: str = Field(max_length=20)
    reported_at: datetime
    urgency: Urgency
    priority: int = 0
    address: Address
    previous_address: Address | None = None


def compare(after: type[Event]) -> list[str]:
    """Publish `Published`, then check `after` (same type) against it through two catalogs."""
    before_catalog, after_catalog = EventCatalog(), EventCatalog()
    before_catalog.register(Published)
    after_catalog.register(after)
    before, now = before_catalog.get(TYPE), after_catalog.get(TYPE)
    assert before is not None and now is not None
    return incompatibilities(data_schema(before), data_schema(now))


def test_an_unchanged_schema_is_compatible() -> None:
    assert compare(Published) == []


def test_an_added_optional_field_is_compatible() -> None:
    class WithNote(Published):
        note: str | None = None
        attachments: list[str] = []

    assert compare(WithNote) == []


def test_a_removed_field_is_reported() -> None:
    class WithoutPriority(CaseEvent):
        case_id: UUID
        category: str = Field(max_length=20)
        reported_at: datetime
        urgency: Urgency
        address: Address
        previous_address: Address | None = None

    assert compare(WithoutPriority) == ["property `priority` was removed"]


def test_a_renamed_field_is_a_removal_and_a_new_required_field() -> None:
    class WithReportedOn(CaseEvent):
        case_id: UUID
        category: str = Field(max_length=20)
        reported_on: datetime
        urgency: Urgency
        priority: int = 0
        address: Address
        previous_address: Address | None = None

    assert compare(WithReportedOn) == [
        "property `reported_at` was removed (renamed to `reported_on`?)",
        "new required property `reported_on`",
    ]


def test_a_changed_type_is_reported() -> None:
    class WithTextPriority(Published):
        priority: str = "0"  # type: ignore[assignment]

    assert compare(WithTextPriority) == ["`priority` changed type: integer → string"]


def test_a_changed_format_is_reported() -> None:
    class WithTextCaseId(Published):
        case_id: str  # type: ignore[assignment]

    assert compare(WithTextCaseId) == ["`case_id` changed type: string (uuid) → string"]


def test_a_new_required_field_is_reported() -> None:
    class WithWilayah(Published):
        wilayah: str

    assert compare(WithWilayah) == ["new required property `wilayah`"]


def test_a_field_that_becomes_required_is_reported() -> None:
    class WithRequiredPriority(Published):
        priority: int

    assert compare(WithRequiredPriority) == ["`priority` became required"]


def test_a_type_change_inside_a_nested_model_names_its_path() -> None:
    class WithTextRt(Published):
        address: AddressWithTextRt  # type: ignore[assignment]
        previous_address: AddressWithTextRt | None = None  # type: ignore[assignment]

    assert compare(WithTextRt) == [
        "`address.rt` changed type: integer → string",
        "`previous_address.rt` changed type: integer → string",
    ]


def test_a_type_change_inside_collections_names_its_path() -> None:
    class WithVisits(Published):
        visits: list[Address] = []
        by_desa: dict[str, Address] = {}

    class WithTextRtVisits(Published):
        visits: list[AddressWithTextRt] = []
        by_desa: dict[str, AddressWithTextRt] = {}

    before, after = data_schema(WithVisits), data_schema(WithTextRtVisits)

    assert incompatibilities(before, after) == [
        "`visits[].rt` changed type: integer → string",
        "`by_desa.*.rt` changed type: integer → string",
    ]


def test_an_added_enum_value_is_reported() -> None:
    class WithCritical(Published):
        urgency: UrgencyWithCritical  # type: ignore[assignment]

    assert compare(WithCritical) == ["`urgency` values changed: added 'critical'"]


def test_a_tightened_constraint_is_reported() -> None:
    class WithShortCategory(Published):
        category: str = Field(max_length=10)

    assert compare(WithShortCategory) == ["`category` maxLength tightened: 20 → 10"]


def test_a_changed_subject_field_is_reported() -> None:
    class SubjectIsCategory(Published):
        subject_field: ClassVar[str] = "category"

    assert compare(SubjectIsCategory) == ["subject field changed: case_id → category"]


class Referral(BaseModel):
    """A model that contains itself: the comparison must not recurse forever."""

    to: str
    onward: Referral | None = None


class ReferralWithCode(BaseModel):
    to: int
    onward: ReferralWithCode | None = None


class ReferralMade(Event):
    type: ClassVar[str] = "kesos.sample.referral_made.v1"
    subject_field: ClassVar[str] = "case_id"

    case_id: UUID
    referral: Referral


class ReferralMadeWithCode(ReferralMade):
    referral: ReferralWithCode  # type: ignore[assignment]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (ReferralMade, []),
        (ReferralMadeWithCode, ["`referral.to` changed type: string → integer"]),
    ],
)
def test_recursive_models_are_compared_once(after: type[Event], expected: list[str]) -> None:
    assert incompatibilities(data_schema(ReferralMade), data_schema(after)) == expected
