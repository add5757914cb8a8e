#!/bin/sh
# First start of the demo database (postgres image, /docker-entrypoint-initdb.d): the two xx databases, the
# gateway's tables, and the exporter's role as README.md sets it up (pg_monitor, nothing more).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE DATABASE cmix_node;
CREATE DATABASE cmix_gateway;
CREATE ROLE xx_exporter LOGIN PASSWORD '$(cat /run/secrets/postgres-password)';
GRANT pg_monitor TO xx_exporter;
GRANT CONNECT ON DATABASE cmix_node, cmix_gateway TO xx_exporter;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname cmix_gateway -f /demo/gateway-schema.sql
