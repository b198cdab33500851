"""Which assessments and plans the Dinas approves before the case goes on, per category, as data.

Primero lets a supervisor approve an assessment and a case plan (DOMAIN.md §5: "planned — Dinsos
(approve)"). Here the configuration names, per PMKS category, the steps whose result waits for a
Dinas operator: a case needs the approval when any of its categories asks for it (`*` stands for
every category). A Dinas loads its own table from a JSON file (`CASES_APPROVALS_FILE`, e.g.
`{"*": ["plan"], "ABH": ["assessment", "plan"]}`); without one the default below holds: every
plan is approved, and so is the assessment of a case in a protected category (a child in
conflict with the law, a victim of violence or trafficking, a person with HIV), where a wrong
risk level does most harm.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from services.cases.domain.states import Action
from shared.reference import pmks_categories

REVIEWED = {"assessment": Action.ASSESS, "plan": Action.PLAN}
EVERY = "*"


@dataclass(frozen=True, slots=True)
class Approvals:
    by_category: Mapping[str, frozenset[Action]]  # category code (or `*`) → steps approved

    def needed(self, step: Action, categories: Iterable[str]) -> bool:
        """Whether the result of `step` on a case in `categories` waits for the Dinas."""
        codes = [EVERY, *(code.upper() for code in categories)]
        return any(step in self.by_category.get(code, ()) for code in codes)

    @classmethod
    def of(cls, table: Mapping[str, Iterable[str]]) -> Approvals:
        """From `{category: ["assessment", "plan"]}`; an unknown category or step is refused
        (a typo must not silently turn an approval off)."""
        known = set(pmks_categories().codes()) | {EVERY}
        by_category: dict[str, frozenset[Action]] = {}
        for code, steps in table.items():
            if code.upper() not in known:
                raise ValueError(f"approvals: unknown PMKS category {code!r}")
            unknown = set(steps) - set(REVIEWED)
            if unknown:
                raise ValueError(f"approvals: {sorted(unknown)} not among {sorted(REVIEWED)}")
            by_category[code.upper()] = frozenset(REVIEWED[step] for step in steps)
        return cls(by_category)

    @classmethod
    def from_file(cls, path: Path | None) -> Approvals:
        if path is None:
            return default_approvals()
        return cls.of(json.loads(path.read_text(encoding="utf-8")))


def default_approvals() -> Approvals:
    protected = {code: ["assessment", "plan"] for code in pmks_categories().sensitive()}
    return Approvals.of({EVERY: ["plan"], **protected})
