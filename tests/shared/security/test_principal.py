"""The verified caller: valid by construction, scoped by `within`."""

from __future__ import annotations

import dataclasses

import pytest

from shared.security import Principal, Role


@pytest.mark.parametrize(("role", "worker"), [(role, role in {"psm", "tksk"}) for role in Role])
def test_only_psm_and_tksk_act_as_registry_workers(role: Role, worker: bool) -> None:
    assert Principal(sub="w-1", role=role, wilayah="63").is_worker is worker


def test_a_principal_keeps_its_wilayah_dotted_and_role_typed() -> None:
    principal = Principal(sub="alice", role="operator", wilayah="630501")  # type: ignore[arg-type]
    assert principal.wilayah == "63.05.01"
    assert principal.role is Role.OPERATOR


def test_a_principal_covers_records_inside_its_wilayah_only() -> None:
    principal = Principal(sub="alice", role=Role.OPERATOR, wilayah="63.05")
    assert principal.covers("63.05.01.2003")
    assert not principal.covers("63.06.01.2003")
    assert not principal.covers(None)


def test_integration_clients_are_read_only_unless_granted() -> None:
    client = Principal(sub="dukcapil", role=Role.INTEGRATION, wilayah="63", grants=frozenset())
    granted = dataclasses.replace(client, grants=frozenset({"cases:write"}))
    assert not client.has_grant("cases:write")
    assert granted.has_grant("cases:write")


@pytest.mark.parametrize(
    ("sub", "role", "wilayah"),
    [("", "admin", "63"), ("a", "boss", "63"), ("a", "admin", "63.0"), ("a", "admin", "")],
)
def test_an_invalid_principal_cannot_exist(sub: str, role: str, wilayah: str) -> None:
    with pytest.raises(ValueError):
        Principal(sub=sub, role=role, wilayah=wilayah)  # type: ignore[arg-type]


def test_a_principal_is_immutable() -> None:
    principal = Principal(sub="alice", role=Role.ADMIN, wilayah="63")
    with pytest.raises(dataclasses.FrozenInstanceError):
        principal.wilayah = "64"  # type: ignore[misc]
