"""`kesos import persons FILE`: upload a DTKS-style extract to the registry's import API (so its
scope and audit apply) and follow the job to its end.

The caller is `KESOS_TOKEN` (or `--token`): an operator's token, as for any API call. The
registry is found as every tool finds it (`REGISTRY_URL`, else `KESOS_HOST`/`REGISTRY_PORT`).
A rich progress bar while it runs, then a summary; with `--json` the summary as JSON, bad rows
included as `{line, rule, column}`. Exit code 0 when the job finished (bad rows or not), 1 when
it could not be submitted or failed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from shared.settings import service_url

imports = typer.Typer(help="Importing extracts into the registry.", no_args_is_help=True)
POLL_S = 0.5
SUMMARY = ("rows", "persons_created", "persons_updated", "families", "duplicates", "errors")


@imports.command("persons")
def import_persons(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every row; change nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The summary as JSON.")] = False,
    token: Annotated[str | None, typer.Option(help="Bearer token (default: KESOS_TOKEN).")] = None,
) -> None:
    """Import persons (and their families) from a CSV or XLSX extract."""
    bearer = token or os.environ.get("KESOS_TOKEN")
    if not bearer:
        typer.echo(
            "no token: set KESOS_TOKEN or pass --token (kesos token --role operator …)", err=True
        )
        raise typer.Exit(code=1)
    headers = {"Authorization": f"Bearer {bearer}"}
    with httpx.Client(base_url=service_url("registry"), headers=headers, timeout=600) as client:
        job = _submit(client, file, dry_run)
        job = _follow(client, job, quiet=as_json, total=_rows_in(file))
        errors = _errors(client, job["import_id"])
    summary = {
        **{k: job[k] for k in ("import_id", "status", "dry_run", *SUMMARY)},
        "bad_rows": errors,
    }
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _print(summary)
    if job["status"] != "done":
        raise typer.Exit(code=1)


def _submit(client: httpx.Client, file: Path, dry_run: bool) -> dict[str, Any]:
    key = f"cli-{uuid.uuid4()}"  # a retried upload is the same job
    with file.open("rb") as body:
        answer = client.post(
            "/v1/imports", content=body,
            params={"filename": file.name, "dry_run": str(dry_run).lower()},
            headers={"Idempotency-Key": key, "Content-Type": "application/octet-stream"},
        )  # fmt: skip
    if answer.status_code != 202:
        typer.echo(f"the registry refused the file: {answer.status_code} {answer.text}", err=True)
        raise typer.Exit(code=1)
    return dict(answer.json())


def _follow(
    client: httpx.Client, job: dict[str, Any], *, quiet: bool, total: int | None
) -> dict[str, Any]:
    path = f"/v1/imports/{job['import_id']}"
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=Console(stderr=True), disable=quiet) as progress:
        task = progress.add_task(job["filename"], total=total)
        while job["status"] in ("queued", "running"):
            time.sleep(POLL_S)
            job = client.get(path).raise_for_status().json()
            progress.update(task, completed=job["rows"])
    return job


def _rows_in(file: Path) -> int | None:
    """The data rows of a CSV, for the bar's length (an XLSX's are not counted ahead)."""
    if file.suffix.lower() != ".csv":
        return None
    with file.open("rb") as lines:
        return max(sum(1 for line in lines if line.strip()) - 1, 0)


def _errors(client: httpx.Client, import_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/imports/{import_id}/errors").raise_for_status()
    rows = csv.DictReader(io.StringIO(answer.content.decode("utf-8").removeprefix("\ufeff")))
    return [
        {"line": int(r["line"]), "rule": r["rule"], "column": r["column"] or None} for r in rows
    ]


def _print(summary: dict[str, Any]) -> None:
    console = Console()
    verb = "checked (dry run)" if summary["dry_run"] else "imported"
    console.print(f"[bold]{summary['status']}[/]: {summary['rows']:,} rows {verb}")
    for name in SUMMARY[1:]:
        console.print(f"  {name.replace('_', ' '):<16} {summary[name]:>8,}")
    for error in summary["bad_rows"][:50]:
        column = f" ({error['column']})" if error["column"] else ""
        console.print(f"  line {error['line']}: {error['rule']}{column}")
    if len(summary["bad_rows"]) > 50:
        console.print(f"  … and {len(summary['bad_rows']) - 50} more: kesos import persons --json")
