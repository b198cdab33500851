"""deploy/postgres/init-databases.sh on a real PostgreSQL: one role and database per service,
each role owning its own store only, and a service migrates its store as that role. The image
runs it once on an empty data directory; run twice here, it changes nothing."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest
from sqlalchemy.engine import make_url

from shared.persistence.migrate import migrate_async
from shared.settings import SERVICE_PORTS, ServiceSettings
from tests.deploy.conftest import DEPLOY
from tests.support.stores import scalar

pytestmark = pytest.mark.integration

SCRIPT = DEPLOY / "postgres" / "init-databases.sh"


def run_init(admin_url: str, secrets_dir, prefix: str) -> None:
    server = make_url(admin_url)
    env = {
        **os.environ, "SECRETS_DIR": str(secrets_dir), "KESOS_DB_PREFIX": prefix,
        "POSTGRES_USER": server.username or "postgres", "PGHOST": server.host or "127.0.0.1",
        "PGPORT": str(server.port or 5432), "PGPASSWORD": server.password or "",
    }  # fmt: skip
    result = subprocess.run([str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


async def test_each_service_gets_its_own_role_and_database(postgres, tmp_path):
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    for name in SERVICE_PORTS:
        (tmp_path / f"db_{name}").write_text(f"pw-{name}-{prefix}\n", encoding="utf-8")
    admin = postgres.admin_url
    try:
        run_init(admin.render_as_string(hide_password=False), tmp_path, prefix)
        run_init(admin.render_as_string(hide_password=False), tmp_path, prefix)  # again: no-op
        for name in SERVICE_PORTS:
            role = f"{prefix}{name}"
            store = admin.set(username=role, password=None, database=role)
            env = {
                f"{name.upper()}_DATABASE_URL": store.render_as_string(hide_password=False),
                f"{name.upper()}_DATABASE_PASSWORD_FILE": str(tmp_path / f"db_{name}"),
            }
            url = ServiceSettings.from_env(name, SERVICE_PORTS[name], env).database_url
            owner = await scalar(url, "SELECT pg_get_userbyid(datdba) FROM pg_database "
                                      "WHERE datname = current_database()")  # fmt: skip
            assert owner == role
            await migrate_async(url, DEPLOY.parent / "services" / name / "migrations" / "versions")
            tables = await scalar(url, "SELECT count(*) FROM pg_tables WHERE tableowner = "
                                       "current_user")  # fmt: skip
            assert int(tables) > 3  # type: ignore[call-overload]  # its own tables, as itself
            other = f"{prefix}{'cases' if name != 'cases' else 'registry'}"
            reach = await scalar(url, f"SELECT has_database_privilege('{other}', 'CONNECT')")
            assert reach is False  # no service may connect to another's store
    finally:
        for name in SERVICE_PORTS:
            await postgres.drop(f"{prefix}{name}")
            await postgres.execute(f'DROP ROLE IF EXISTS "{prefix}{name}"')
