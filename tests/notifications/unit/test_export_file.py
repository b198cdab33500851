"""The export file is written once per delivery, whatever crashes and retries happen."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from services.notifications.adapters.export_file import ExportFileChannel
from services.notifications.domain.deliveries import Delivery

NOW = datetime(2011, 5, 20, 8, 0, tzinfo=UTC)


def delivery(delivery_id: str = "d-1") -> Delivery:
    return Delivery.record(
        delivery_id=delivery_id,
        cause_event_id="e-1",
        recipient_id="w-1",
        channel="in_app",
        template="enrolment",
        variables={},
        contact_known=True,
        now=NOW,
    )


def records(path: Path) -> list[dict[str, object]]:
    found = []
    for line in path.read_text("utf-8").splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue  # a torn fragment: readers skip it
    return found


async def test_a_sent_message_is_one_json_line_in_a_new_folder(tmp_path: Path) -> None:
    path = tmp_path / "var" / "notifications" / "outbox.jsonl"
    await ExportFileChannel(path, clock=lambda: NOW).send(delivery(), "Yth. Siti Aminah, …")
    assert records(path) == [
        {
            "delivery_id": "d-1",
            "recipient_id": "w-1",
            "channel": "in_app",
            "template": "enrolment",
            "text": "Yth. Siti Aminah, …",
            "sent_at": NOW.isoformat(),
        }
    ]


async def test_sending_the_same_delivery_again_appends_nothing(tmp_path: Path) -> None:
    channel = ExportFileChannel(tmp_path / "outbox.jsonl")
    await channel.send(delivery("d-1"), "satu")
    await channel.send(delivery("d-2"), "dua")
    await channel.send(delivery("d-1"), "satu")
    assert [r["delivery_id"] for r in records(channel.path)] == ["d-1", "d-2"]


async def test_a_restarted_process_recognises_what_an_earlier_one_wrote(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    await ExportFileChannel(path).send(delivery("d-1"), "satu")  # then the process died
    await ExportFileChannel(path).send(delivery("d-1"), "satu")  # the delivery is retried
    assert len(records(path)) == 1


async def test_two_writers_sharing_the_file_see_each_others_lines(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    first, second = ExportFileChannel(path), ExportFileChannel(path)
    await first.send(delivery("d-1"), "satu")
    await second.send(delivery("d-2"), "dua")
    await first.send(delivery("d-2"), "dua")
    await second.send(delivery("d-1"), "satu")
    assert sorted(str(r["delivery_id"]) for r in records(path)) == ["d-1", "d-2"]


async def test_a_line_torn_by_a_crash_is_fenced_off_and_the_delivery_written_whole(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outbox.jsonl"
    path.write_bytes(b'{"delivery_id": "d-1", "recipient_id": "w-1", "te')
    await ExportFileChannel(path).send(delivery("d-1"), "satu")
    assert [r["delivery_id"] for r in records(path)] == ["d-1"]
    assert path.read_bytes().endswith(b"\n")


async def test_a_whole_record_missing_only_its_newline_counts_as_written(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    path.write_bytes(json.dumps({"delivery_id": "d-1", "text": "satu"}).encode())
    channel = ExportFileChannel(path)
    await channel.send(delivery("d-1"), "satu")
    await channel.send(delivery("d-2"), "dua")
    assert [r["delivery_id"] for r in records(path)] == ["d-1", "d-2"]


async def test_a_rotated_file_is_read_afresh(tmp_path: Path) -> None:
    path = tmp_path / "outbox.jsonl"
    channel = ExportFileChannel(path)
    await channel.send(delivery("d-1"), "satu")
    await channel.send(delivery("d-2"), "dua")
    path.write_bytes(b"")  # an operator moved the lines to the gateway and truncated the file
    await channel.send(delivery("d-3"), "tiga")
    assert [r["delivery_id"] for r in records(path)] == ["d-3"]
