"""The demo's HTTP client: what a careful integrator does against Kesos.

Every POST carries an Idempotency-Key, so a retry never writes twice; connection errors and 503
are retried until a deadline (a service may be restarting); `not-yet-known` (a projection still
catching up with the streams) is retried after its Retry-After.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

T = TypeVar("T")
NOT_YET_KNOWN = "urn:kesos:problem:not-yet-known"
WAIT_S = 120.0  # how long the demo waits for the services to follow each other's events
RETRYABLE_ERRORS = (httpx.TransportError,)


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def problem_type(self) -> str | None:
        return self.body.get("type") if isinstance(self.body, dict) else None


class ApiError(RuntimeError):
    def __init__(self, method: str, url: str, answer: Answer):
        super().__init__(f"{method} {url} → {answer.status}: {answer.body}")
        self.answer = answer


# (sub, role, wilayah) → a bearer token for that caller.
Minter = Callable[[str, str, str], str]


class KesosApi:
    """One caller's view of the system. `acting_as` gives another caller's view on the same
    connections, so the story can play the PSM, the TKSK and the operator each with their own
    token and scope."""

    def __init__(
        self,
        urls: Mapping[str, str],
        mint: Minter,
        *,
        sub: str = "demo-operator",
        role: str = "operator",
        wilayah: str = "63.05",
        deadline_s: float = 120.0,
        client: httpx.AsyncClient | None = None,
    ):
        self._urls = dict(urls)
        self._mint = mint
        self._headers = {"Authorization": f"Bearer {mint(sub, role, wilayah)}"}
        self._deadline_s = deadline_s
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=15)

    def acting_as(self, sub: str, role: str, wilayah: str) -> KesosApi:
        return KesosApi(
            self._urls, self._mint, sub=sub, role=role, wilayah=wilayah,
            deadline_s=self._deadline_s, client=self._client,
        )  # fmt: skip

    def as_worker(self, worker: Mapping[str, Any]) -> KesosApi:
        """The registered PSM or TKSK themselves: sub = worker id, scope = their wilayah."""
        return self.acting_as(worker["worker_id"], worker["role"], worker["wilayah"])

    async def close(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def get(self, service: str, path: str, **params: Any) -> Any:
        answer = await self._send("GET", service, path, params=params)
        if answer.status != 200:
            raise ApiError("GET", path, answer)
        return answer.body

    async def post(self, service: str, path: str, body: Any, *, key: str) -> Answer:
        """POST once in effect: the answer, whatever its status, once it is not transient."""
        headers = {"Idempotency-Key": key}
        return await self._send("POST", service, path, json=body, headers=headers)

    async def upload(
        self, service: str, path: str, content: bytes, *, key: str, **params: Any
    ) -> Any:
        """POST a file as the request body (an import), once in effect; its accepted answer."""
        headers = {"Idempotency-Key": key, "Content-Type": "text/csv"}
        answer = await self._send(
            "POST", service, path, content=content, params=params, headers=headers
        )
        if answer.status not in (200, 201, 202):
            raise ApiError("POST", path, answer)
        return answer.body

    async def created(self, service: str, path: str, body: Any, *, key: str) -> Any:
        answer = await self.post(service, path, body, key=key)
        if answer.status not in (200, 201):
            raise ApiError("POST", path, answer)
        return answer.body

    async def _send(self, method: str, service: str, path: str, **kwargs: Any) -> Answer:
        deadline = time.monotonic() + self._deadline_s
        headers = {**self._headers, **kwargs.pop("headers", {})}
        while True:
            try:
                response = await self._client.request(
                    method, self._urls[service] + path, headers=headers, **kwargs
                )
                answer = Answer(response.status_code, _json(response))
                wait = _retry_after(response, answer)
            except RETRYABLE_ERRORS:
                answer, wait = Answer(0, None), 0.5
            if wait is None:
                return answer
            if time.monotonic() + wait > deadline:
                raise TimeoutError(f"{method} {service}{path}: still {answer.status} at deadline")
            await asyncio.sleep(wait)


def _retry_after(response: httpx.Response, answer: Answer) -> float | None:
    """Seconds to wait before retrying, or None when the answer is final."""
    if response.status_code == 503:
        return 1.0
    if response.status_code == 409 and answer.problem_type == NOT_YET_KNOWN:
        return float(response.headers.get("Retry-After", "1"))
    return None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


async def until(what: str, probe: Callable[[], Awaitable[T | None]], seconds: float = WAIT_S) -> T:
    """`probe`'s first answer that is not None: the services follow each other through the
    streams, so what one API call causes elsewhere shows up a moment later."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (value := await probe()) is not None:
            return value
        await asyncio.sleep(0.5)
    raise TimeoutError(f"demo: still waiting for {what} after {seconds:.0f} s")


async def deliveries_to(api: KesosApi, worker_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every delivery to each worker, oldest first, all pages."""
    messages: dict[str, list[dict[str, Any]]] = {w: [] for w in worker_ids}
    page = await api.get("notifications", "/v1/deliveries", limit=200)
    while True:
        for delivery in page["items"]:
            if delivery["recipient_id"] in messages:
                messages[delivery["recipient_id"]].append(delivery)
        if not page.get("next_cursor"):
            return messages
        page = await api.get(
            "notifications", "/v1/deliveries", limit=200, cursor=page["next_cursor"]
        )
