"""`kesos deploy …`: what an installation from deploy/ needs that only Kesos knows.

`secrets` makes, once, every secret deploy/compose.yaml and the Kubernetes overlays read;
`valkey-values` writes the Valkey chart's values with each Redis user's rights, as the code
defines them (deploy/k8s/valkey/ holds its output; a test keeps it current).

Compose hands a secret to a container by bind-mounting its file, and the container reads it as
its own user (Kesos 10001, PostgreSQL and Valkey 999): so the files are 0644, and the directory
that holds them 0700, closed to the host's other users. Nothing here is ever printed.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from shared.cli_bus import write_acl_file
from shared.launcher.local import ensure_secret
from shared.messaging import topology
from shared.messaging.users import agency_user, operator_user, service_user
from shared.settings import SERVICE_PORTS, BusSettings

# The chart's own users: `default` must be named (given no rights: no one connects unnamed) and
# replicas copy the primary as a user allowed only that.
CHART_USERS = {
    "default": "resetkeys resetchannels -@all",
    "kesos-replication": "resetkeys resetchannels -@all +psync +replconf +ping",
}
VALKEY_CHART = "valkey-io/valkey-helm, chart 0.11.0"

MOUNTED = 0o644  # read inside a container by another uid; the 0700 directory guards the host

deploy = typer.Typer(help="Installing from deploy/ (Compose, Kubernetes).", no_args_is_help=True)


@deploy.command("secrets")
def make_secrets(
    directory: Annotated[
        Path, typer.Argument(help="Where deploy/compose.yaml reads its secrets.")
    ] = Path("deploy/secrets"),
) -> None:
    """Create what is missing (what exists is kept): the token secret, PostgreSQL's passwords
    (the superuser's and one per service), and the Redis ACL file with a password per user."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    ensure_secret(directory / "jwt-secret", lambda: secrets.token_hex(32), mode=MOUNTED)
    for name in ("postgres", *SERVICE_PORTS):
        ensure_secret(directory / "db" / name, mode=MOUNTED)
    for name in CHART_USERS:  # the Valkey chart's users, in the same Secret (Kubernetes)
        ensure_secret(directory / "redis" / name, mode=MOUNTED)
    users = write_acl_file(
        directory / "redis" / "users.acl", directory / "redis", BusSettings().namespace,
        list(SERVICE_PORTS), mode=MOUNTED,
    )  # fmt: skip
    typer.echo(f"secrets in {directory}: a token secret, {len(SERVICE_PORTS) + 1} store "
               f"passwords, {users} Redis users")  # fmt: skip


@deploy.command("valkey-values")
def print_valkey_values(
    replicas: Annotated[int, typer.Option(help="Replicas of the primary (0: standalone).")] = 0,
    grant: Annotated[
        list[str] | None,
        typer.Option(
            help="An agency and the services whose public events it reads, as granted with "
            "`kesos agency add`: bpjs=registry,cases. Repeat per agency."
        ),
    ] = None,
) -> None:
    """Print the values for the Valkey chart: AOF, persistence and every Kesos Redis user
    (the agencies' too: every node and every restart of a pod must know them)."""
    try:
        grants = dict(_agency_grant(each) for each in grant or [])
        values = valkey_values(BusSettings().namespace, replicas, grants)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--grant") from None
    typer.echo(values, nl=False)


def _agency_grant(text: str) -> tuple[str, list[str]]:
    agency, _, services = text.partition("=")
    granted = sorted({name.strip() for name in services.split(",") if name.strip()})
    refused = [name for name in granted if not topology.grantable(name)]
    if not agency or not granted or refused:
        raise ValueError(f"{text!r}: AGENCY=service[,service] of {', '.join(topology.SERVICES)}")
    return agency, granted


def valkey_values(
    namespace: str, replicas: int, grants: Mapping[str, list[str]] | None = None
) -> str:
    """YAML for the chart's values; strings JSON-quoted (valid YAML, no YAML library needed at
    run time). Passwords are the Secret's `kesos-redis-users`, key = user name. `grants`:
    agency → the services whose public streams it reads (its user, their feed rights)."""
    grants = grants or {}
    users = dict(CHART_USERS)
    for user in [
        *(
            service_user(namespace, name, feeds=sorted(a for a, s in grants.items() if name in s))
            for name in SERVICE_PORTS
        ),
        operator_user(namespace),
        *(agency_user(namespace, agency) for agency in sorted(grants)),
    ]:
        users[user.name] = " ".join(user.rules)
    lines = [
        f"# Valkey for Kesos ({VALKEY_CHART}): `kesos deploy valkey-values"
        f"{f' --replicas {replicas}' if replicas else ''}` wrote this file.",
        "fullnameOverride: kesos-valkey",
        "valkeyConfig: |",
        "  appendonly yes",
        "  appendfsync everysec",
        "dataStorage:",
        "  enabled: true",
        f"  requestedSize: {json.dumps('20Gi' if replicas else '5Gi')}",
        "auth:",
        "  enabled: true",
        "  usersExistingSecret: kesos-redis-users",
        "  aclUsers:",
    ]
    for name, rights in users.items():
        lines += [f"    {name}:", f"      permissions: {json.dumps(rights)}"]
    if replicas:
        lines += [
            "replica:",
            "  enabled: true",
            f"  replicas: {replicas}",
            "  replicationUser: kesos-replication",
            "  minReplicasToWrite: 1  # an acknowledged write is on two nodes",
            "  minReplicasMaxLag: 10",
            "  persistence:",
            '    size: "20Gi"',
            "podDisruptionBudget:",
            "  enabled: true",
            "  maxUnavailable: 1",
        ]
    return "\n".join(lines) + "\n"
