#!/bin/sh
# First start of the demo database (postgres image, /docker-entrypoint-initdb.d): the two xx databases, the
# gateway's tables, and the exporter's role as docs/configuration.md ("Postgres") sets it up (pg_monitor, and reading client_rounds for the
# age of the gateway's newest stored round).
set -eu
# The postgres image sets POSTGRES_PASSWORD_FILE from compose; the schema is mounted at /demo.
password_file="${POSTGRES_PASSWORD_FILE:-/run/secrets/postgres-password}"
schema="${XX_GATEWAY_SCHEMA:-/demo/gateway-schema.sql}"
# The password goes in as a psql variable, quoted by psql, so no character of it can break (or echo) the SQL.
psql -v ON_ERROR_STOP=1 -v password="$(cat "$password_file")" --username "$POSTGRES_USER" --dbname postgres <<'SQL'
CREATE DATABASE cmix_node;
CREATE DATABASE cmix_gateway;
CREATE ROLE xx_exporter LOGIN PASSWORD :'password';
GRANT pg_monitor TO xx_exporter;
GRANT CONNECT ON DATABASE cmix_node, cmix_gateway TO xx_exporter;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname cmix_gateway -f "$schema" \
    -c 'GRANT SELECT ON client_rounds TO xx_exporter'
