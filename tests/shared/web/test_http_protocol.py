"""What the HTTP parser refuses before the app sees it is a problem+json too (a real server)."""

from __future__ import annotations

import asyncio
import json

import pytest

from shared.web.server import PROTOCOL_HEADER_BYTES
from tests.shared.web.conftest import SECRET
from tests.support.processes import start_sample_service, stop, wait_until_ready

pytestmark = pytest.mark.integration


async def raw_request(base: str, request: bytes) -> tuple[bytes, bytes]:
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return head, body


async def test_a_request_the_parser_refuses_is_answered_as_a_problem(
    make_store, redis_url, namespace
):
    store = await make_store("sqlite", "visits")
    process, base = start_sample_service(store.url, redis_url, namespace, SECRET)
    try:
        await wait_until_ready(base)
        # Past the app's limit, within the parser's: the app refuses it.
        huge = b"GET /v1/visits HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
        # A header that never ends, one byte past what the server holds: refused, not kept
        # growing. Exactly that long, so that it was read whole: a server closing on unread
        # bytes sends a RST, which would lose its answer on the way (TCP decides that).
        start = b"GET /v1/visits HTTP/1.1\r\nHost: x\r\nX-Big: "
        endless = start + b"a" * (PROTOCOL_HEADER_BYTES + 1 - len(start))
        malformed = b"GET /v1/visits HTTP/1.1\r\nHost x\r\n\r\n"
        for request, rule in (
            (huge, "header-fields-too-large"),  # the parser let it through: the app's limit
            (endless, "bad-http-request"),  # the server's own limit
            (malformed, "bad-http-request"),  # the parser refused it
        ):
            head, body = await raw_request(base, request)
            assert b"content-type: application/problem+json" in head.lower(), head
            assert json.loads(body)["type"] == f"urn:kesos:problem:{rule}"
    finally:
        stop(process)
