"""deploy/compose.yaml: valid against the Compose spec (offline), and what it must say — each
service on PostgreSQL and Redis as its own users, passwords only from the files `kesos deploy
secrets` makes, migrated before it starts, healthy only when ready, Redis with AOF and no
default user."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from shared.cli import app
from shared.messaging.users import service_user_name
from shared.security import SecuritySettings
from shared.settings import SERVICE_PORTS, BusSettings, ServiceSettings, redis_url_from
from tests.deploy.conftest import DEPLOY, run_tool

SECRETS = "/run/secrets/"


def validate(path: Path) -> Any:
    return run_tool("check-jsonschema", "--builtin-schema", "vendor.compose-spec", path)


def test_the_compose_file_is_valid_against_the_compose_spec():
    result = validate(DEPLOY / "compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_compose_file_fails_validation(tmp_path):
    broken = tmp_path / "compose.yaml"
    text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    broken.write_text(text.replace("service_completed_successfully", "completed", 1))
    assert validate(broken).returncode != 0


@pytest.mark.parametrize("name", list(SERVICE_PORTS))
def test_each_service_is_migrated_first_and_healthy_only_when_ready(compose, name):
    service = compose["services"][name]
    port = SERVICE_PORTS[name]
    assert service["command"] == ["python", "-m", f"services.{name}"]
    assert f"http://127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"])
    assert service["depends_on"] == {
        f"migrate-{name}": {"condition": "service_completed_successfully"},
        "redis": {"condition": "service_healthy"},
    }
    migration = compose["services"][f"migrate-{name}"]
    assert migration["command"] == ["kesos", "migrate", name]
    assert migration["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert migration["restart"] == "no"
    assert service["read_only"] and service["cap_drop"] == ["ALL"]


@pytest.mark.parametrize("name", list(SERVICE_PORTS))
def test_each_service_has_its_own_users_and_no_secret_in_the_file(compose, name):
    service = compose["services"][name]
    env = service["environment"]
    store = make_url(env[f"{name.upper()}_DATABASE_URL"])
    assert (store.username, store.database, store.password) == (f"kesos_{name}",) * 2 + (None,)
    assert make_url(env["REDIS_URL"]).username == service_user_name("kesos", name)
    assert make_url(env["REDIS_URL"]).password is None
    files = {key: value for key, value in env.items() if key.endswith("_FILE")}
    assert set(files) == {
        f"{name.upper()}_DATABASE_PASSWORD_FILE",
        "REDIS_PASSWORD_FILE",
        "KESOS_JWT_SECRET_FILE",
    }
    mounted = {SECRETS + secret for secret in service["secrets"]}
    assert set(files.values()) == mounted  # each file it reads is mounted, nothing more
    assert not [key for key in env if any(w in key for w in ("PASSWORD", "SECRET", "TOKEN"))
                and not key.endswith("_FILE")]  # fmt: skip


def test_redis_keeps_an_append_only_file_and_knows_only_named_users(compose):
    command = compose["services"]["redis"]["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--aclfile") + 1] == SECRETS + "redis_acl"


def test_stop_grace_covers_the_graceful_shutdown(compose):
    grace_s = int(compose["x-kesos"]["stop_grace_period"].rstrip("s"))
    graceful_s = float(compose["x-environment"]["KESOS_GRACEFUL_TIMEOUT_S"])
    assert grace_s >= graceful_s + 5


def test_kesos_deploy_secrets_makes_every_secret_the_file_reads(compose, tmp_path, monkeypatch):
    secrets_dir = tmp_path / "secrets"
    result = CliRunner().invoke(app, ["deploy", "secrets", str(secrets_dir)])
    assert result.exit_code == 0, result.output
    made = {}
    for name, secret in compose["secrets"].items():
        path = secrets_dir / Path(secret["file"]).relative_to("secrets")
        assert path.is_file() and path.read_text().strip(), f"{name}: {secret['file']}"
        made[name] = path
    assert stat.S_IMODE(secrets_dir.stat().st_mode) == 0o700  # the host's other users: no
    assert made["redis_acl"].read_text().splitlines()[0].startswith("user default off")
    assert result.output.count("\n") == 1 and made["jwt_secret"].read_text() not in result.output

    again = {name: path.read_text() for name, path in made.items()}
    CliRunner().invoke(app, ["deploy", "secrets", str(secrets_dir)])
    assert {name: path.read_text() for name, path in made.items()} == again  # kept, not remade

    # The services' settings read them as the containers would, from their mounted names.
    for name in SERVICE_PORTS:
        env = {
            key: str(made[value.removeprefix(SECRETS)]) if value.startswith(SECRETS) else value
            for key, value in compose["services"][name]["environment"].items()
        }
        settings = ServiceSettings.from_env(name, SERVICE_PORTS[name], env)
        assert make_url(settings.database_url).password == made[f"db_{name}"].read_text().strip()
        assert make_url(redis_url_from(env)).password == made[f"redis_{name}"].read_text().strip()
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        assert SecuritySettings().secret() == made["jwt_secret"].read_text().strip()
        assert BusSettings().namespace == "kesos"
