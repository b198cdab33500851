"""Families as on the Kartu Keluarga: a No. KK, the desa the family lives in, and its members,
each with their relationship to the head (DOMAIN.md §3.1).

A person belongs to at most one current family; moving to another family ends the first
membership (kept, with when it ended: a KK's history is part of a person's). A family has at
most one current kepala keluarga. The No. KK is optional, like a NIK: a family the Dinas found
may not have its card yet; when recorded it names one family only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from services.registry.domain.errors import (
    HeadAlreadyNamed,
    MemberTwice,
    NotAMember,
    UnknownRelationship,
)
from shared.reference import Wilayah, normalise_kk, wilayah


class Relationship(StrEnum):
    """`Status hubungan dalam keluarga`, as Dukcapil prints it on the KK."""

    KEPALA_KELUARGA = "kepala_keluarga"
    SUAMI = "suami"
    ISTRI = "istri"
    ANAK = "anak"
    MENANTU = "menantu"
    CUCU = "cucu"
    ORANG_TUA = "orang_tua"
    MERTUA = "mertua"
    FAMILI_LAIN = "famili_lain"
    PEMBANTU = "pembantu"
    LAINNYA = "lainnya"

    @classmethod
    def of(cls, text: str) -> Relationship:
        """As typed on a form or a spreadsheet: `Kepala Keluarga`, `kepala-keluarga`, `ISTRI`."""
        key = "_".join(text.replace("-", " ").replace("_", " ").casefold().split())
        try:
            return cls(key)
        except ValueError:
            raise UnknownRelationship(text) from None


@dataclass(frozen=True, slots=True)
class Member:
    person_id: str
    relationship: Relationship
    joined_at: datetime

    def kk_order(self) -> tuple[datetime, int, str]:
        """As a KK lists them: who joined first, the head before spouse before children."""
        return self.joined_at, list(Relationship).index(self.relationship), self.person_id


@dataclass(frozen=True, slots=True)
class Family:
    family_id: str
    no_kk: str | None  # 16 digits, normalised; None: not yet recorded
    desa: str
    kecamatan: str
    members: tuple[Member, ...]  # current members, in `Member.kk_order`
    version: int  # the optimistic lock and the events' sequence
    registered_at: datetime
    updated_at: datetime

    @classmethod
    def register(
        cls,
        family_id: str,
        no_kk: str | None,
        desa: str,
        members: Sequence[tuple[str, Relationship]],
        now: datetime,
        regions: Wilayah | None = None,
    ) -> Family:
        """A new family at version 1 with its first members, or the named error of the first
        rule it breaks (No. KK, desa, one head, nobody twice)."""
        regions = wilayah() if regions is None else regions
        number = normalise_kk(no_kk, regions) if no_kk and no_kk.strip() else None
        home = regions.require_desa(desa).code
        joined: tuple[Member, ...] = ()
        for person_id, relationship in members:
            joined = _joined(joined, Member(person_id, relationship, now))
        return cls(
            family_id=family_id, no_kk=number, desa=home,
            kecamatan=regions.kecamatan_of(home).code,
            members=tuple(sorted(joined, key=Member.kk_order)), version=1,
            registered_at=now, updated_at=now,
        )  # fmt: skip

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def member_ids(self) -> tuple[str, ...]:
        return tuple(member.person_id for member in self.members)

    def with_member(self, person_id: str, relationship: Relationship, now: datetime) -> Family:
        members = _joined(self.members, Member(person_id, relationship, now))
        return replace(self, members=members, version=self.version + 1, updated_at=now)

    def without(self, person_id: str, now: datetime) -> Family:
        if person_id not in self.member_ids:
            raise NotAMember(person_id)
        kept = tuple(m for m in self.members if m.person_id != person_id)
        return replace(self, members=kept, version=self.version + 1, updated_at=now)


def _joined(members: tuple[Member, ...], member: Member) -> tuple[Member, ...]:
    """The members with one more, or the rule that refuses them (nobody twice, one head)."""
    if any(m.person_id == member.person_id for m in members):
        raise MemberTwice(member.person_id)
    head = Relationship.KEPALA_KELUARGA
    if member.relationship is head and any(m.relationship is head for m in members):
        raise HeadAlreadyNamed()
    return (*members, member)
