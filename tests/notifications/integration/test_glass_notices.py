"""Breaking the glass on a protected record reaches the designated officers covering it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.contracts.cases import CaseRecordOpened
from shared.contracts.registry import PersonRecordOpened
from tests.notifications.integration.story import TUNGKAP, bearer

pytestmark = pytest.mark.integration

OPENED = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10.00 WITA


def officers_file(tmp_path: Path) -> Path:
    path = tmp_path / "officers.json"
    path.write_text(
        json.dumps(
            [
                {"officer_id": "dpo-tapin", "name": "Hj. Norhayati", "wilayah": "63.05"},
                {"officer_id": "dpo-kalsel", "name": "Ir. Baderi", "wilayah": "63"},
                {"officer_id": "dpo-banjar", "name": "Fahrurrazi", "wilayah": "63.03"},
            ]
        )
    )
    return path


def opened(event: type, record_type: str) -> CaseRecordOpened | PersonRecordOpened:
    return event(
        grant_id="g-1", record_type=record_type, record_id="3f2a9c1e-7b4d-4e21", wilayah=TUNGKAP,
        opened_by="operator-1", opened_by_role="operator", opened_at=OPENED,
        expires_at=OPENED + timedelta(hours=3),
    )  # fmt: skip


async def test_the_officers_covering_the_record_are_told_and_no_one_else(
    make_notifications, tmp_path
):
    service = await make_notifications(officers_file=officers_file(tmp_path))
    await service.publish(opened(CaseRecordOpened, "case"))
    await service.publish(opened(PersonRecordOpened, "person"))

    tapin = bearer("operator", "63.05", "dpo-tapin")
    for officer in ("dpo-tapin", "dpo-kalsel"):
        delivery = await service.delivery_of(officer, template="protected_record_opened")
        assert "operator-1 (operator) membuka" in delivery["text"]
        assert "13.00 WITA, 30-11-2026" in delivery["text"] and "3f2a9c1e" in delivery["text"]
    mine = await service.deliveries(tapin, recipient_id="dpo-tapin")
    opened_what = sorted(d["text"].split(" membuka ")[1].split(" terlindungi")[0] for d in mine)
    assert opened_what == ["data PMKS", "kasus PMKS"]
    assert await service.deliveries(bearer("admin", "63", "a"), recipient_id="dpo-banjar") == []
    # Dinas staff covering the officer see that a message went, not what it said: it oversees
    # them; another officer reads it.
    staff = await service.deliveries(
        bearer("operator", "63.05", "operator-1"), recipient_id="dpo-tapin"
    )
    assert len(staff) == 2 and all(d["text"] is None for d in staff)
    officer = bearer("admin", "63", "dpo-kalsel", grants=("protected-data",))
    assert all(d["text"] for d in await service.deliveries(officer, recipient_id="dpo-tapin"))


async def test_without_designated_officers_nobody_is_messaged(make_notifications):
    service = await make_notifications()
    await service.publish(opened(CaseRecordOpened, "case"))
    await service.handled(1)
    assert await service.deliveries() == []
