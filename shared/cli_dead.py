"""`kesos dead …`: an operator lists, replays and discards a service's dead letters."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from shared.cli_redis import PasswordFile, RedisUrl, redis_url
from shared.messaging.connection import redis_client
from shared.messaging.dead_letters import DeadLetterNotFound, DeadLetters, ForgedLetter
from shared.messaging.users import operator_user
from shared.settings import BusSettings

T = TypeVar("T")

dead = typer.Typer(help="Dead letters: entries a service gave up on.", no_args_is_help=True)

Service = Annotated[str, typer.Option("--service", "-s", help="registry, training, cases, …")]


def _run(
    access: tuple[str | None, Path | None],
    service: str,
    action: Callable[..., Awaitable[T]],
    *arguments: object,
) -> T:
    """Run `action(dead_letters, *arguments)` against the service's dead-letter stream."""
    namespace = BusSettings().namespace
    url = redis_url(*access, local_user=operator_user(namespace).name)

    async def run() -> T:
        redis = redis_client(url)
        try:
            letters = DeadLetters(redis, namespace=namespace, service=service)
            return await action(letters, *arguments)
        finally:
            await redis.aclose()

    return asyncio.run(run())


@dead.command("list")
def list_dead(
    service: Service,
    redis: RedisUrl = None,
    password_file: PasswordFile = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    after: Annotated[str, typer.Option(help="Show letters after this id.")] = "-",
) -> None:
    """List dead letters, oldest first, with the error that killed them."""
    letters = _run((redis, password_file), service, DeadLetters.list, after, limit)
    table = Table(title=f"{service}: {len(letters)} dead letter(s)")
    for column in ("dead id", "type", "subject", "from stream", "deliveries", "error"):
        table.add_column(column)
    for letter in letters:
        table.add_row(
            letter.id,
            letter.fields.get("type", "?"),
            letter.fields.get("subject", ""),
            letter.stream,
            str(letter.deliveries),
            letter.error[:120],
        )
    Console(width=int(os.environ.get("COLUMNS", "160"))).print(table)


@dead.command("replay")
def replay_dead(
    service: Service,
    dead_ids: Annotated[list[str], typer.Argument(help="Dead letter ids (see `list`).")],
    redis: RedisUrl = None,
    password_file: PasswordFile = None,
) -> None:
    """Ask the service to replay dead letters once the fault is fixed: it moves each to its
    retry stream within a few seconds (its reclaimer's round)."""
    for dead_id in dead_ids:
        _on_letter((redis, password_file), service, DeadLetters.replay, dead_id)
        typer.echo(f"{dead_id}: replay requested")


@dead.command("discard")
def discard_dead(
    service: Service,
    dead_ids: Annotated[list[str], typer.Argument(help="Dead letter ids (see `list`).")],
    redis: RedisUrl = None,
    password_file: PasswordFile = None,
) -> None:
    """Drop dead letters for good (the decision is the operator's)."""
    for dead_id in dead_ids:
        _on_letter((redis, password_file), service, DeadLetters.discard, dead_id)
        typer.echo(f"{dead_id} discarded")


def _on_letter(
    access: tuple[str | None, Path | None],
    service: str,
    action: Callable[..., Awaitable[T]],
    dead_id: str,
) -> T:
    try:
        return _run(access, service, action, dead_id)
    except DeadLetterNotFound:
        typer.echo(f"{dead_id}: no such dead letter", err=True)
        raise typer.Exit(code=1) from None
    except ForgedLetter:
        typer.echo(f"{dead_id}: a forged entry is never replayed (discard it)", err=True)
        raise typer.Exit(code=1) from None
