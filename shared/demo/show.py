"""How the demo prints: rich tables for a person, nothing for a test."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.table import Table

from shared.reference import wilayah


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


def place(code: str) -> str:
    """A wilayah code as the Dinas reads it: "Tungkap (63.05.01.2003)"."""
    return f"{wilayah().get(code).name} ({code})"
