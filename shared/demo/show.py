"""How the demo prints: rich tables for a person, nothing for a test."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.table import Table


class Show:
    def __init__(self, console: Console | None = None):
        self.console = console or Console()

    @classmethod
    def quiet(cls) -> Show:
        return cls(Console(file=io.StringIO(), width=160))

    def step(self, number: int, title: str) -> None:
        self.console.rule(f"[bold]Langkah {number}[/bold] — {title}")

    def line(self, text: str) -> None:
        self.console.print(text)

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        self.console.print(table)
