"""The default channel: in-app messages, exported as JSON lines for a gateway to pick up.

The text is kept in the delivery row by the dispatcher (recipients and operators read it through
the API); this channel appends `{delivery_id, recipient_id, channel, template, text, sent_at}`
to the export file — never the phone number.

Idempotency key = delivery id. A process may die after appending a line and before the
delivery is marked `sent`; the delivery is then claimed again once its lease runs out. So the
append is check-then-write under an exclusive `flock`: the channel first reads whatever was
appended since it last looked (by itself, an earlier process or a replica on the same host)
into a set of delivery ids, and appends only when the id is not there. The line is fsynced
before the lock is released, so a line that exists is complete — except after a crash in the
middle of a write, which leaves a torn last line; the next append starts on a fresh line so the
fragment stays one unreadable line that readers skip, and the delivery is written whole (a
fragment that is a whole record missing only its newline counts as written).
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import threading
from pathlib import Path
from typing import BinaryIO

from services.notifications.domain.deliveries import Delivery
from shared.messaging.outbox import Clock, utcnow


class ExportFileChannel:
    name = "in_app"

    def __init__(self, path: Path, clock: Clock = utcnow):
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()  # sends run in worker threads; one appender at a time
        self._written: set[str] = set()  # delivery ids already in the file
        self._scanned = 0  # how many bytes of the file `_written` accounts for

    async def send(self, delivery: Delivery, text: str) -> None:
        line = {
            "delivery_id": delivery.delivery_id,
            "recipient_id": delivery.recipient_id,
            "channel": delivery.channel,
            "template": delivery.template,
            "text": text,
            "sent_at": self._clock().isoformat(),
        }
        encoded = json.dumps(line, ensure_ascii=False).encode() + b"\n"
        await asyncio.to_thread(self.append_once, delivery.delivery_id, encoded)

    def append_once(self, delivery_id: str, line: bytes) -> bool:
        """Append `line` unless the file already holds this delivery; whether it appended."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self.path.open("a+b") as file:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX)  # another process may share the file
            try:
                torn = self._catch_up(file)
                if delivery_id in self._written:
                    return False
                file.write((b"\n" if torn else b"") + line)  # "a" mode: always at the end
                file.flush()
                os.fsync(file.fileno())
                self._written.add(delivery_id)
                self._scanned = file.tell()
                return True
            finally:
                fcntl.flock(file.fileno(), fcntl.LOCK_UN)

    def _catch_up(self, file: BinaryIO) -> bool:
        """Learn the ids appended since the last look; whether the file ends in a torn line."""
        if file.seek(0, os.SEEK_END) < self._scanned:  # truncated or rotated: start over
            self._written.clear()
            self._scanned = 0
        file.seek(self._scanned)
        head, newline, torn = file.read().rpartition(b"\n")
        # A crash may also have cut just the final newline: a whole record still went out.
        for raw in [*(head.split(b"\n") if newline else ()), torn]:
            if (delivery_id := _delivery_id_of(raw)) is not None:
                self._written.add(delivery_id)
        self._scanned += len(head) + len(newline)
        return bool(torn)


def _delivery_id_of(raw: bytes) -> str | None:
    try:
        record = json.loads(raw)
    except ValueError:
        return None  # a fragment torn by a crash: it never counted as sent
    delivery_id = record.get("delivery_id") if isinstance(record, dict) else None
    return delivery_id if isinstance(delivery_id, str) else None
