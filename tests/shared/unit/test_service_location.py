"""One way to say where a service is: the launcher, `kesos demo` and the readiness checks all
ask `service_url`, so moving a service's port moves every tool with it."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from shared.settings import SERVICE_PORTS, ServiceSettings, redis_url_from, service_url


def test_by_default_each_service_is_on_its_own_port_of_this_host():
    assert {name: service_url(name, {}) for name in SERVICE_PORTS} == {
        "registry": "http://127.0.0.1:8001",
        "training": "http://127.0.0.1:8002",
        "cases": "http://127.0.0.1:8003",
        "notifications": "http://127.0.0.1:8004",
    }


def test_a_moved_port_is_where_the_tools_look():
    env = {"CASES_PORT": "9103"}
    assert service_url("cases", env) == "http://127.0.0.1:9103"
    assert service_url("registry", env) == "http://127.0.0.1:8001"


@pytest.mark.parametrize(
    ("host", "url"),
    [("0.0.0.0", "http://127.0.0.1:8003"), ("::", "http://127.0.0.1:8003"),
     ("10.0.0.5", "http://10.0.0.5:8003"), ("::1", "http://[::1]:8003")],
)  # fmt: skip
def test_a_service_listening_everywhere_is_reached_on_loopback(host, url):
    assert service_url("cases", {"KESOS_HOST": host}) == url


def test_a_service_elsewhere_is_named_by_its_url():
    env = {"CASES_URL": "https://kesos.kalselprov.go.id/cases/", "CASES_PORT": "9103"}
    assert service_url("cases", env) == "https://kesos.kalselprov.go.id/cases"


def test_a_stores_password_comes_from_its_file_not_the_url(tmp_path):
    secret = tmp_path / "db_cases"
    secret.write_text("s3cret/with:odd@chars\n", encoding="utf-8")
    env = {
        "CASES_DATABASE_URL": "postgresql+asyncpg://kesos_cases@postgres:5432/kesos_cases",
        "CASES_DATABASE_PASSWORD_FILE": str(secret),
    }
    settings = ServiceSettings.from_env("cases", 8003, env)
    assert make_url(settings.database_url).password == "s3cret/with:odd@chars"
    assert make_url(settings.database_url).username == "kesos_cases"
    assert "s3cret" not in repr(settings)
    assert ServiceSettings.from_env("registry", 8001, env).database_url.startswith("sqlite")


def test_a_redis_password_comes_from_its_file(tmp_path):
    secret = tmp_path / "redis_cases"
    secret.write_text("p@ss word\n", encoding="utf-8")
    env = {"REDIS_URL": "redis://kesos-cases@redis:6379/0", "REDIS_PASSWORD_FILE": str(secret)}
    assert redis_url_from(env) == "redis://kesos-cases:p%40ss%20word@redis:6379/0"


def test_finding_a_service_reads_no_secret(tmp_path):
    # The demo on an operator's machine, its env copied from a container: the secret files are
    # not there, and finding where a service listens must not need them.
    missing = str(tmp_path / "run" / "secrets" / "redis_cases")
    env = {"REDIS_PASSWORD_FILE": missing, "CASES_DATABASE_PASSWORD_FILE": missing}
    assert service_url("cases", env) == "http://127.0.0.1:8003"
