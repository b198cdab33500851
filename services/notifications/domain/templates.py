"""Message templates in Bahasa Indonesia, kept as data, and how a message is rendered from one.

A template names its variables as `{placeholder}`; `{placeholder:tanggal}` renders an ISO date
the Indonesian way ("24 Mei 2011"). `name` comes from the recipient's contact when the message
is sent; every other variable is copied from the triggering event's data when the delivery is
recorded. A variable that is missing fails loudly: a recipient must never read "{name}".
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
DATE_SPEC = "tanggal"
RECIPIENT_VARIABLES = frozenset({"name"})  # filled from the contacts projection, not the event


class InvalidTemplate(ValueError):
    """The template data itself is wrong: refuse to start rather than send broken messages."""


class MissingVariable(KeyError):
    """A placeholder has no value; the message must not go out half-filled."""

    def __init__(self, template: str, missing: Iterable[str]):
        self.template = template
        self.missing = tuple(sorted(missing))
        super().__init__(f"template {template!r} lacks {', '.join(self.missing)}")


def tanggal(day: date) -> str:
    """`date(2011, 5, 24)` → "24 Mei 2011", as Indonesian letters write dates."""
    return f"{day.day} {BULAN[day.month - 1]} {day.year}"


class _IndonesianFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == DATE_SPEC:
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
            return tanggal(day)
        return super().format_field(value, format_spec)


_FORMATTER = _IndonesianFormatter()


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    description: str = ""

    def __post_init__(self) -> None:
        _check_placeholders(self.name, self.text)

    @property
    def placeholders(self) -> frozenset[str]:
        return frozenset(field for _, field, _, _ in _FORMATTER.parse(self.text) if field)

    @property
    def event_variables(self) -> frozenset[str]:
        """What the triggering event must supply (everything but the recipient's own data)."""
        return self.placeholders - RECIPIENT_VARIABLES

    def variables_from(self, event_data: Mapping[str, Any]) -> dict[str, str]:
        """The event's values this template uses, as text (dates stay ISO until rendered)."""
        present = {k: event_data[k] for k in self.event_variables if event_data.get(k) is not None}
        if missing := self.event_variables - present.keys():
            raise MissingVariable(self.name, missing)
        return {key: str(value) for key, value in present.items()}

    def render(self, variables: Mapping[str, Any]) -> str:
        if missing := {k for k in self.placeholders if variables.get(k) in (None, "")}:
            raise MissingVariable(self.name, missing)
        return _FORMATTER.vformat(self.text, (), dict(variables))


def _check_placeholders(name: str, text: str) -> None:
    """Only plain names and the date spec: templates are data, not code to evaluate."""
    try:
        fields = [(field, spec, conv) for _, field, spec, conv in _FORMATTER.parse(text)]
    except ValueError as error:
        raise InvalidTemplate(f"template {name!r}: {error}") from error
    for field, spec, conversion in fields:
        if field is None:
            continue
        if not field.isidentifier() or conversion is not None or spec not in ("", DATE_SPEC):
            raise InvalidTemplate(f"template {name!r}: placeholder {{{field}}} is not allowed")


@dataclass(frozen=True)
class TemplateBook:
    """The versioned set of templates the service sends from."""

    version: int
    language: str
    templates: Mapping[str, Template]

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> TemplateBook:
        try:
            entries = [Template(**entry) for entry in data["templates"]]
            book = cls(int(data["version"]), str(data["language"]), {t.name: t for t in entries})
        except InvalidTemplate:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise InvalidTemplate(f"template data: {error!r}") from error
        if len(book.templates) != len(entries):
            raise InvalidTemplate("template data: a template name appears twice")
        return book

    def __getitem__(self, name: str) -> Template:
        try:
            return self.templates[name]
        except KeyError:
            raise InvalidTemplate(f"no template named {name!r}") from None

    def require(self, *names: str) -> None:
        """Fail at start-up, not on the first event, when a template the handlers use is gone."""
        for name in names:
            self[name]
