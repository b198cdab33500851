#!/bin/sh
# PostgreSQL's first start (the image runs /docker-entrypoint-initdb.d/*.sh once, on an empty
# data directory): one role and one database per service, each role owning only its own store,
# its password read from the secret `kesos deploy secrets` made. Runs again harmlessly.
set -eu

SECRETS_DIR="${SECRETS_DIR:-/run/secrets}"
PREFIX="${KESOS_DB_PREFIX:-kesos_}"

for service in registry training cases notifications; do
    name="${PREFIX}${service}"
    password="$(cat "${SECRETS_DIR}/db_${service}")"
    psql --set=ON_ERROR_STOP=1 --no-psqlrc --quiet --username "${POSTGRES_USER:-postgres}" \
        --dbname postgres --set=name="${name}" --set=password="${password}" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
ALTER ROLE :"name" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
done
