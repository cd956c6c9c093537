-- Runs once, when the postgres volume is first created (docker/postgres-init.sh passes the
-- passwords as psql variables). Two roles, two databases:
--   rasa        owns "rasa": Rasa's conversation trackers (Rasa creates the tables)
--   passerelle  owns "passerelle": leads, staff, funnel (Alembic creates the tables), and
--               may only read and delete tracker events (transcripts, /forget, retention)
-- Neither can reach the other's data otherwise; the superuser stays for backups.
\set ON_ERROR_STOP on

CREATE ROLE passerelle LOGIN PASSWORD :'app_password';
CREATE ROLE rasa LOGIN PASSWORD :'rasa_password';

CREATE DATABASE passerelle OWNER passerelle;
CREATE DATABASE rasa OWNER rasa;
REVOKE ALL ON DATABASE passerelle FROM PUBLIC;
REVOKE ALL ON DATABASE rasa FROM PUBLIC;
GRANT CONNECT ON DATABASE rasa TO passerelle;

\connect rasa
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- Tables Rasa creates later (as rasa) are readable and deletable by the app, nothing more.
ALTER DEFAULT PRIVILEGES FOR ROLE rasa IN SCHEMA public GRANT SELECT, DELETE ON TABLES TO passerelle;
