#!/bin/sh
# docker-entrypoint-initdb.d: runs once, when the postgres volume is first created. The
# SQL is in postgres-init.sql; the passwords come from the container's environment.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v app_password="$PASSERELLE_DB_PASSWORD" -v rasa_password="$RASA_DB_PASSWORD" \
  -f /opt/passerelle/postgres-init.sql
