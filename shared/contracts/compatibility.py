"""Whether a published event schema may change: only adding an optional property is safe.

Consumers still validate with the old schema while producers write the new one, and replays feed
events written under the old one to consumers built against the new one, so a change in either
direction breaks someone (DESIGN.md §3).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

LOWER_BOUNDS = ("minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum")
UPPER_BOUNDS = ("maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum")
OTHER_CONSTRAINTS = ("pattern", "multipleOf", "uniqueItems")


def incompatibilities(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Why data valid under one schema of a type may not be valid under the other.

    Consumers still validate with `old` while producers write `new`, and replays feed events
    written under `old` to consumers built against `new`, so a change either way breaks someone.
    Only adding an optional property is safe. Nested models are compared field by field through
    their `$defs`, so a message names the exact path that changed.
    """
    problems = []
    old_subject, new_subject = old.get("x-kesos-subject-field"), new.get("x-kesos-subject-field")
    if old_subject != new_subject:
        problems.append(f"subject field changed: {old_subject} → {new_subject}")
    return problems + _Comparison(old, new).changes("", old, new)


class _Side:
    """One schema document: its `$ref`s resolve against its own `$defs`."""

    def __init__(self, root: Mapping[str, Any]) -> None:
        self._defs: Mapping[str, Any] = root.get("$defs", {})

    def resolve(self, node: Mapping[str, Any], depth: int = 0) -> Mapping[str, Any]:
        """The node with its `$ref` (or pydantic's lone `allOf` wrapper) replaced by the target."""
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and depth < 32:
            target = self.resolve(self._defs.get(ref.removeprefix("#/$defs/"), {}), depth + 1)
            return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        wrapped = node.get("allOf")
        if isinstance(wrapped, list) and len(wrapped) == 1 and "type" not in node:
            inner = self.resolve(wrapped[0], depth + 1)
            return {**inner, **{k: v for k, v in node.items() if k != "allOf"}}
        return node

    def signature(self, node: Mapping[str, Any], expanding: frozenset[str] = frozenset()) -> Any:
        """What a value must look like under `node`, without names, titles or descriptions.

        Nested models are expanded, so two sides compare by structure; a model that contains
        itself stops at its reference.
        """
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in expanding:
                return {"$ref": ref}
            expanding = expanding | {ref}
        node = self.resolve(node)
        shape: dict[str, Any] = {k: node[k] for k in ("type", "format", "const") if k in node}
        if isinstance(shape.get("type"), list):
            shape["type"] = sorted(shape["type"])
        if "enum" in node:
            shape["enum"] = sorted(node["enum"], key=repr)
        for key in ("items", "additionalProperties"):
            value = node.get(key)
            shape[key] = self.signature(value, expanding) if isinstance(value, dict) else value
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            if key in node:
                branches = [self.signature(branch, expanding) for branch in node[key]]
                if key != "prefixItems":
                    branches.sort(key=lambda branch: json.dumps(branch, sort_keys=True))
                shape[key] = branches
        if "properties" in node:
            properties = node["properties"]
            shape["properties"] = {n: self.signature(s, expanding) for n, s in properties.items()}
            shape["required"] = sorted(node.get("required", []))
        return {k: v for k, v in shape.items() if v is not None}


class _Comparison:
    """One old/new pair of schemas, walked together from the root."""

    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old, self.new = _Side(old), _Side(new)
        self._open: set[tuple[str, str]] = set()

    def changes(
        self, path: str, old_node: Mapping[str, Any], new_node: Mapping[str, Any]
    ) -> list[str]:
        old_ref, new_ref = old_node.get("$ref"), new_node.get("$ref")
        resolved = (self.old.resolve(old_node), self.new.resolve(new_node))
        if not (isinstance(old_ref, str) and isinstance(new_ref, str)):
            return self._resolved_changes(path, *resolved)
        if (old_ref, new_ref) in self._open:
            return []  # a model that contains itself: already being compared further up
        self._open.add((old_ref, new_ref))
        try:
            return self._resolved_changes(path, *resolved)
        finally:
            self._open.discard((old_ref, new_ref))

    def _resolved_changes(
        self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> list[str]:
        if _is_model(old) and _is_model(new):
            return self._object_changes(path, old, new)
        if "anyOf" in old and "anyOf" in new:
            return self._union_changes(path, old, new)
        if "enum" in old and "enum" in new and old.get("type") == new.get("type"):
            return _enum_changes(path, old["enum"], new["enum"])
        if old.get("type") == new.get("type") == "array":
            items = self.changes(f"{path}[]", old.get("items", {}), new.get("items", {}))
            return items + _constraint_changes(path, old, new)
        if _is_map(old) and _is_map(new):
            values = self.changes(
                f"{path}.*", old["additionalProperties"], new["additionalProperties"]
            )
            return values + _constraint_changes(path, old, new)
        before, after = self.old.signature(old), self.new.signature(new)
        if before != after:
            return [f"`{_shown(path)}` changed type: {_describe(before)} → {_describe(after)}"]
        return _constraint_changes(path, old, new)

    def _object_changes(
        self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> list[str]:
        old_properties, new_properties = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
        problems = []
        for name, schema in old_properties.items():
            if name in new_properties:
                problems += self.changes(_join(path, name), schema, new_properties[name])
            else:
                problems.append(self._removal(path, name, schema, old_properties, new_properties))
        for name in new_properties:
            if name in new_required and name not in old_required:
                added = name not in old_properties
                what = "new required property `{}`" if added else "`{}` became required"
                problems.append(what.format(_join(path, name)))
        if (
            old.get("additionalProperties") is not False
            and new.get("additionalProperties") is False
        ):
            problems.append(f"`{_shown(path)}` no longer accepts unknown properties")
        return problems + _constraint_changes(path, old, new)

    def _removal(
        self,
        path: str,
        name: str,
        schema: Mapping[str, Any],
        old_properties: Mapping[str, Any],
        new_properties: Mapping[str, Any],
    ) -> str:
        """A removed property, naming a new one of the same shape: likely a rename."""
        shape = self.old.signature(schema)
        renamed = [
            other
            for other, candidate in new_properties.items()
            if other not in old_properties and self.new.signature(candidate) == shape
        ]
        hint = f" (renamed to `{_join(path, renamed[0])}`?)" if len(renamed) == 1 else ""
        return f"property `{_join(path, name)}` was removed{hint}"

    def _union_changes(
        self, path: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> list[str]:
        """`X | None` on both sides: compare the X's, so a change inside X names its path."""
        old_branches = self._branches(old["anyOf"], self.old)
        new_branches = self._branches(new["anyOf"], self.new)
        if (
            old_branches is None
            or new_branches is None
            or old_branches.keys() != new_branches.keys()
        ):
            before, after = self.old.signature(old), self.new.signature(new)
            return [f"`{_shown(path)}` changed type: {_describe(before)} → {_describe(after)}"]
        return [
            problem
            for kind, branch in old_branches.items()
            for problem in self.changes(path, branch, new_branches[kind])
        ]

    @staticmethod
    def _branches(
        branches: list[Mapping[str, Any]], side: _Side
    ) -> dict[str, Mapping[str, Any]] | None:
        """Branches by kind, or None when two share one (they cannot be paired up then)."""
        kinds = {json.dumps(side.resolve(b).get("type")): b for b in branches}
        return kinds if len(kinds) == len(branches) else None


def _is_model(node: Mapping[str, Any]) -> bool:
    return node.get("type") == "object" and "properties" in node


def _is_map(node: Mapping[str, Any]) -> bool:
    """A `dict[str, X]`: an object described only by the schema of its values."""
    values = node.get("additionalProperties")
    return node.get("type") == "object" and "properties" not in node and isinstance(values, dict)


def _enum_changes(path: str, old: list[Any], new: list[Any]) -> list[str]:
    dropped = [value for value in old if value not in new]
    added = [value for value in new if value not in old]
    parts = [f"dropped {_values(dropped)}"] if dropped else []
    parts += [f"added {_values(added)}"] if added else []
    return [f"`{_shown(path)}` values changed: {'; '.join(parts)}"] if parts else []


def _constraint_changes(path: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    problems = []
    for key in (*LOWER_BOUNDS, *UPPER_BOUNDS, *OTHER_CONSTRAINTS):
        before, after = old.get(key), new.get(key)
        if before != after:
            direction = _direction(key, before, after)
            problems.append(f"`{_shown(path)}` {key} {direction}: {before} → {after}")
    return problems


def _direction(key: str, before: Any, after: Any) -> str:
    """Tightening rejects events already published; loosening, events old readers get."""
    if key not in LOWER_BOUNDS and key not in UPPER_BOUNDS:
        return "changed"
    if before is None or after is None:
        return "tightened" if before is None else "loosened"
    raised = after > before
    return "tightened" if raised == (key in LOWER_BOUNDS) else "loosened"


def _describe(shape: Mapping[str, Any]) -> str:
    """A signature in a few words: `string (date-time)`, `array of integer`, `A | null`."""
    if "const" in shape:
        return f"const {shape['const']!r}"
    if "enum" in shape:
        return f"one of {_values(shape['enum'])}"
    for key in ("anyOf", "oneOf"):
        if key in shape:
            return " | ".join(_describe(branch) for branch in shape[key])
    kind = shape.get("type", "any")
    kind = "|".join(kind) if isinstance(kind, list) else kind
    if kind == "array":
        return f"array of {_describe(shape.get('items') or {})}"
    if isinstance(shape.get("additionalProperties"), dict) and "properties" not in shape:
        return f"map of {_describe(shape['additionalProperties'])}"
    if "properties" in shape:
        return f"object with {', '.join(shape['properties']) or 'no properties'}"
    return f"{kind} ({shape['format']})" if "format" in shape else str(kind)


def _values(values: list[Any]) -> str:
    return ", ".join(repr(value) for value in values)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _shown(path: str) -> str:
    return path or "(payload)"
