"""The `kesos` command line for operators and CI.

One typer sub-app per concern (`kesos events ...`, later `dead`, `migrate`, `token`), each added
to `app` with `app.add_typer`, so a new concern never touches the others' commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shared.cli_bus import agency, bus
from shared.cli_dead import dead
from shared.cli_deploy import deploy
from shared.cli_import import imports
from shared.cli_system import demo, migrate_services
from shared.cli_token import token
from shared.contracts import CATALOG
from shared.contracts.schemas import check_published, export

app = typer.Typer(help="Kesos operations.", no_args_is_help=True)
events = typer.Typer(
    help="Event contracts: JSON Schemas and the AsyncAPI document in docs/events.",
    no_args_is_help=True,
)
app.add_typer(events, name="events")
app.add_typer(dead, name="dead")
app.add_typer(bus, name="bus")
app.add_typer(agency, name="agency")
app.add_typer(deploy, name="deploy")
app.add_typer(imports, name="import")
app.command("token")(token)
app.command("migrate")(migrate_services)
app.command("demo")(demo)

EventsDir = Annotated[Path, typer.Option("--dir", help="Where the published contracts live.")]
DEFAULT_EVENTS_DIR = Path("docs/events")


@events.command("export")
def export_events(directory: EventsDir = DEFAULT_EVENTS_DIR) -> None:
    """Write the schemas and the AsyncAPI document generated from the event catalog."""
    written = export(CATALOG, directory)
    typer.echo(f"wrote {len(written)} files to {directory}")


@events.command("check")
def check_events(directory: EventsDir = DEFAULT_EVENTS_DIR) -> None:
    """Fail when the catalog changed a published event incompatibly or was not exported."""
    problems = check_published(CATALOG, directory)
    for problem in problems:
        typer.echo(problem, err=True)
    if problems:
        raise typer.Exit(code=1)
    typer.echo(f"{directory} matches the event catalog")


if __name__ == "__main__":
    app()
