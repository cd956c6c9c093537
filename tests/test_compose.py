"""docker-compose.yml and docker/: the production topology as a file.

`docker compose config` validates the file when the docker client and its compose plugin
are installed (no Docker engine needed), else Debian's `docker-compose` (v1, which only lacks
the top-level `name`); the tests on what it resolves skip when neither is there.
The checks on the file itself (secrets only by required interpolation, each service only its
own, the Rasa image matching the pinned Rasa, every variable endpoints.yml reads being set)
always run, and the database init script runs against the real PostgreSQL.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
import yaml

from tools.stack import ROOT

pytestmark = pytest.mark.timeout(120)

COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_DOCKERFILE = ROOT / "docker" / "app.Dockerfile"
RASA_DOCKERFILE = ROOT / "docker" / "rasa.Dockerfile"
INIT_SQL = ROOT / "docker" / "postgres-init.sql"
SERVICES = {"postgres", "redis", "migrate", "actions", "rasa-a", "rasa-b", "bot", "admin"}
APP_SERVICES = {"migrate", "actions", "bot", "admin"}
RASA_SERVICES = {"rasa-a", "rasa-b"}
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|SALT|KEY", re.IGNORECASE)
# Stand-ins for .env (letters and digits: they go into database URLs as they are).
SENTINELS = {
    "POSTGRES_PASSWORD": "sentinelpgsuperuser",
    "PASSERELLE_DB_PASSWORD": "sentinelappdb",
    "RASA_DB_PASSWORD": "sentinelrasadb",
    "RASA_AUTH_TOKEN": "sentinelrasatoken",
    "ADMIN_SECRET_KEY": "sentineladminkey" + "x" * 32,
    "FUNNEL_SALT": "sentinelsalt",
    "TELEGRAM_BOT_TOKEN": "123:sentineltelegramtoken",
}
SETTINGS = {
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/path",
    "DASHBOARD_URL": "https://staff.example.org",
}
# Each service gets the secrets it uses, and no other.
SECRETS_PER_SERVICE = {
    "postgres": {"POSTGRES_PASSWORD", "PASSERELLE_DB_PASSWORD", "RASA_DB_PASSWORD"},
    "redis": set(),
    "migrate": {"PASSERELLE_DB_PASSWORD"},
    "actions": {"PASSERELLE_DB_PASSWORD", "FUNNEL_SALT"},
    "rasa-a": {"RASA_AUTH_TOKEN", "RASA_DB_PASSWORD"},
    "rasa-b": {"RASA_AUTH_TOKEN", "RASA_DB_PASSWORD"},
    "bot": {"TELEGRAM_BOT_TOKEN", "PASSERELLE_DB_PASSWORD"},
    "admin": {
        "ADMIN_SECRET_KEY",
        "RASA_AUTH_TOKEN",
        "TELEGRAM_BOT_TOKEN",
        "PASSERELLE_DB_PASSWORD",
        "FUNNEL_SALT",
    },
}
APP_DATABASE = f"postgresql://passerelle:{SENTINELS['PASSERELLE_DB_PASSWORD']}@postgres:5432"
RASA_DATABASE = f"postgresql://rasa:{SENTINELS['RASA_DB_PASSWORD']}@postgres:5432/rasa"


def compose_command() -> tuple[list[str], bool] | None:
    """(`docker compose`, True) when the client and the compose plugin both answer, else
    (`docker-compose`, False) for compose v1, else None."""
    docker = shutil.which("docker")
    if docker is not None:
        try:
            done = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30)
        except subprocess.TimeoutExpired:
            done = None
        if done is not None and done.returncode == 0:
            return [docker, "compose"], True
    v1 = shutil.which("docker-compose")
    return ([v1], False) if v1 else None


def run_config(env_file: Path, folder: Path) -> subprocess.CompletedProcess:
    """`config` of the compose file against `env_file`, as JSON (v2) or YAML (v1)."""
    found = compose_command()
    if found is None:
        pytest.skip("no docker compose (plugin or v1): `docker compose config` not run")
    command, v2 = found
    compose_file = COMPOSE_FILE
    if not v2:  # v1 knows everything in the file but the project name
        compose_file = folder / "docker-compose.yml"
        compose_file.write_text(re.sub(r"(?m)^name: .*\n", "", COMPOSE_FILE.read_text()))
    env = {"PATH": str(Path(command[0]).parent) + ":/usr/bin:/bin", "HOME": str(folder)}
    argv = [
        *command,
        "--env-file",
        str(env_file),
        "-f",
        str(compose_file),
        "--project-directory",
        str(ROOT),
        "config",
    ]
    if v2:
        argv += ["--format", "json"]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The configuration as `docker compose config` resolves it, against a stand-in .env."""
    folder = tmp_path_factory.mktemp("compose")
    env_file = folder / "test.env"
    values = {**SENTINELS, **SETTINGS}
    env_file.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    done = run_config(env_file, folder)
    assert done.returncode == 0, done.stderr
    try:
        return json.loads(done.stdout)
    except ValueError:
        return _like_v2(yaml.safe_load(done.stdout))


def _like_v2(config: dict) -> dict:
    """Compose v1 prints ports and volumes as strings: the long form v2 prints."""
    for service in config["services"].values():
        service["ports"] = [_port(p) for p in service.get("ports", [])]
        service["volumes"] = [_volume(v) for v in service.get("volumes", [])]
    return config


def _port(short: str) -> dict:
    host_ip, published, target = short.split("/")[0].split(":")
    return {"host_ip": host_ip, "published": published, "target": int(target)}


def _volume(short: str) -> dict:
    source, target, mode = short.split(":")
    kind = "bind" if source.startswith("/") else "volume"
    return {"type": kind, "source": source, "target": target, "read_only": mode == "ro"}


@pytest.mark.parametrize(
    "missing",
    [
        "RASA_AUTH_TOKEN",
        "POSTGRES_PASSWORD",
        "ADMIN_SECRET_KEY",
        "RASA_DB_PASSWORD",
        "PASSERELLE_DB_PASSWORD",
    ],
)
def test_compose_refuses_a_missing_or_empty_secret(tmp_path: Path, missing: str) -> None:
    values = {**SENTINELS, **SETTINGS, missing: ""}
    env_file = tmp_path / "test.env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    done = run_config(env_file, tmp_path)
    assert done.returncode != 0
    assert f"set {missing} in .env" in done.stderr


@pytest.fixture(scope="module")
def raw() -> dict:
    """The file as written (YAML merge keys resolved), without docker."""
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


# --- what docker compose resolves ------------------------------------------------------------


def test_the_topology_has_every_service_and_two_rasa_instances(resolved: dict) -> None:
    services = resolved["services"]
    assert set(services) == SERVICES
    rasa = [services[name] for name in sorted(RASA_SERVICES)]
    assert {r["image"] for r in rasa} == {"passerelle-rasa:latest"}
    assert {r["build"]["dockerfile"] for r in rasa} == {"docker/rasa.Dockerfile"}
    # Same engine, same model, same settings: only the start order differs.
    same = [{k: v for k, v in r.items() if k != "depends_on"} for r in rasa]
    assert same[0] == same[1]


def test_rasa_uses_the_redis_lock_store_and_the_postgresql_tracker_store(resolved: dict) -> None:
    for name in RASA_SERVICES:
        service = resolved["services"][name]
        env = service["environment"]
        assert env["LOCK_STORE_TYPE"] == "redis"
        assert (env["REDIS_HOST"], env["REDIS_PORT"]) == ("redis", "6379")
        assert env["TRACKER_DIALECT"] == "postgresql"
        assert env["TRACKER_DATABASE_URL"] == RASA_DATABASE  # Rasa's own role
        assert env["ACTION_SERVER_URL"] == "http://actions:5055/webhook"
        assert env["RASA_AUTH_TOKEN"] == SENTINELS["RASA_AUTH_TOKEN"]  # from .env
        command = " ".join(service["command"])
        assert "--auth-token" in command and SENTINELS["RASA_AUTH_TOKEN"] not in command
        [models] = service["volumes"]
        assert (models["source"], models["target"]) == (str(ROOT / "models"), "/app/models")
        assert models["read_only"]
        for option in ("--endpoints", "--credentials"):
            path = command.split(option + " ", 1)[1].split()[0]
            assert f"COPY endpoints.yml credentials.yml {Path(path).parent}/" in (
                RASA_DOCKERFILE.read_text()
            )
        depends = service["depends_on"]
        assert depends["redis"]["condition"] == "service_healthy"
    assert resolved["services"]["rasa-a"]["depends_on"]["postgres"]["condition"] == (
        "service_healthy"
    )


def test_our_services_share_one_image_with_different_commands(resolved: dict) -> None:
    services = resolved["services"]
    app = [services[name] for name in sorted(APP_SERVICES)]
    assert {s["image"] for s in app} == {"passerelle-app:latest"}
    assert {s["build"]["dockerfile"] for s in app} == {"docker/app.Dockerfile"}
    assert len({tuple(s["command"]) for s in app}) == len(app)
    for service in app:
        assert service["environment"]["DATABASE_URL"] == f"{APP_DATABASE}/passerelle"
    for name in ("actions", "bot", "admin"):
        assert services[name]["environment"]["RASA_URL"] == (
            "http://rasa-a:5005,http://rasa-b:5005"
        )
    for name in ("bot", "admin"):  # erase and read trackers with the app's role
        assert services[name]["environment"]["TRACKER_DATABASE_URL"] == f"{APP_DATABASE}/rasa"
    for name in ("actions", "admin"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_only_the_webhook_and_the_dashboard_are_published_on_loopback(resolved: dict) -> None:
    published = {name: s["ports"] for name, s in resolved["services"].items() if s.get("ports")}
    assert set(published) == {"bot", "admin"}
    assert [(p["host_ip"], p["published"], p["target"]) for p in published["bot"]] == [
        ("127.0.0.1", "8443", 8443)
    ]
    assert [(p["host_ip"], p["published"], p["target"]) for p in published["admin"]] == [
        ("127.0.0.1", "8000", 8000)
    ]
    assert resolved["services"]["bot"]["environment"]["TELEGRAM_WEBHOOK_LISTEN"] == "0.0.0.0"


def test_the_dashboard_trusts_forwarded_addresses_only_from_the_proxy(resolved: dict) -> None:
    command = resolved["services"]["admin"]["command"]
    trusted = command[command.index("--forwarded-allow-ips") + 1]
    [subnet] = resolved["networks"]["default"]["ipam"]["config"]
    # A proxy on the host reaches the published port through the network's gateway.
    assert trusted == subnet["gateway"] == "172.30.0.1"
    assert "--proxy-headers" in command and "*" not in command


def test_each_service_gets_only_its_own_secrets(resolved: dict) -> None:
    for name, service in resolved["services"].items():
        settings = json.dumps(service)
        given = {secret for secret, value in SENTINELS.items() if value in settings}
        assert given == SECRETS_PER_SERVICE[name], name
    assert not any("env_file" in service for service in resolved["services"].values())


def test_long_running_services_have_healthchecks_and_restart_policies(resolved: dict) -> None:
    for name, service in resolved["services"].items():
        if name == "migrate":
            assert service["restart"] == "no"
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name


def test_postgres_and_the_spool_keep_their_data_in_volumes(resolved: dict) -> None:
    services = resolved["services"]
    volumes = {
        name: {v["target"]: v for v in services[name]["volumes"] if v["type"] == "volume"}
        for name in ("postgres", "actions", "admin")
    }
    assert volumes["postgres"]["/var/lib/postgresql/data"]["source"] == "postgres-data"
    for name in ("actions", "admin"):
        assert volumes[name]["/app/var"]["source"] == "passerelle-var"
        assert services[name]["environment"]["PASSERELLE_SPOOL_DIR"] == "/app/var/spool"


# --- the file itself (no docker needed) -------------------------------------------------------


def test_secrets_come_only_from_required_interpolation(raw: dict) -> None:
    source = COMPOSE_FILE.read_text(encoding="utf-8")
    # A password in a URL is always a ${...} from .env, never written here.
    for password in re.findall(r"://[^/\s:@]+:([^\s@]+)@", source):
        assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", password), password
    interpolated = dict(re.findall(r"(?<!\$)\$\{(\w+)(:[?-])?", source))
    secrets = {name for name in interpolated if SECRET_NAME.search(name)}
    assert secrets == set(SENTINELS) | {"TELEGRAM_WEBHOOK_SECRET"}
    for name in secrets - {"TELEGRAM_WEBHOOK_SECRET"}:  # empty: derived from the bot token
        assert interpolated[name] == ":?", f"{name} must be required (${{{name}:?...}})"
    for name, service in raw["services"].items():
        assert "env_file" not in service, name
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key):
                assert str(value).startswith("${"), f"{name}: {key}={value!r} belongs in .env"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


def test_the_rasa_image_is_the_official_one_of_the_pinned_rasa_version(raw: dict) -> None:
    pinned = re.search(
        r"^rasa==([\w.]+)$", (ROOT / "requirements" / "rasa.txt").read_text(), re.MULTILINE
    )
    assert pinned
    bases = re.findall(r"^FROM (\S+)", RASA_DOCKERFILE.read_text(), re.MULTILINE)
    assert bases == [f"rasa/rasa:{pinned.group(1)}-full"]
    for name in RASA_SERVICES:
        assert raw["services"][name]["build"]["dockerfile"] == "docker/rasa.Dockerfile"


def test_the_rasa_image_holds_every_custom_component_of_the_pipeline() -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    steps = config.get("pipeline", []) + config.get("policies", [])
    packages = {step["name"].split(".")[0] for step in steps if "." in step["name"]}
    copied = set(re.findall(r"^COPY (\w+)/ ", RASA_DOCKERFILE.read_text(), re.MULTILINE))
    assert packages <= copied


def test_rasa_gets_every_variable_its_endpoints_file_reads(raw: dict) -> None:
    lines = (ROOT / "endpoints.yml").read_text().splitlines()
    settings = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    needed = set(re.findall(r"\$\{(\w+)\}", settings))
    assert needed  # the file does read its settings from the environment
    for name in RASA_SERVICES:
        assert needed <= set(raw["services"][name]["environment"]), name


@pytest.mark.parametrize("dockerfile", [APP_DOCKERFILE, RASA_DOCKERFILE], ids=lambda p: p.name)
def test_the_dockerfiles_copy_only_what_exists_and_is_not_ignored(dockerfile: Path) -> None:
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    for sources in re.findall(r"^COPY (.+) \S+$", dockerfile.read_text(), re.MULTILINE):
        for source in sources.split():
            assert (ROOT / source).exists(), source
            assert source.split("/")[0] not in ignored, source


def test_our_image_holds_our_packages_and_the_locked_requirements() -> None:
    dockerfile = APP_DOCKERFILE.read_text(encoding="utf-8")
    assert "FROM python:3.12-slim" in dockerfile
    assert "-c requirements/app.lock.txt" in dockerfile
    copied = set(re.findall(r"^COPY (\w+)/ ", dockerfile, re.MULTILINE))
    assert {"actions", "bot", "leads", "admin", "content"} <= copied


def test_the_database_init_script_separates_rasa_from_the_app() -> None:
    """docker/postgres-init.sql on the real PostgreSQL, with role and database names made
    unique (they are cluster-wide): Rasa's role cannot reach the leads, the app's role can
    only read and delete tracker events."""
    suffix = uuid.uuid4().hex[:8]
    app, rasa = f"passerelle_t{suffix}", f"rasa_t{suffix}"
    sql = re.sub(r"\bpasserelle\b", app, re.sub(r"\brasa\b", rasa, INIT_SQL.read_text()))
    script = Path(f"/tmp/passerelle-init-{suffix}.sql")
    script.write_text(sql)
    base = "postgresql://{role}@127.0.0.1:5432/{db}"
    try:
        done = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-v",
                "app_password=apppw",
                "-v",
                "rasa_password=rasapw",
                "-f",
                str(script),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        with psycopg.connect(base.format(role=rasa, db=rasa), autocommit=True) as conn:
            conn.execute("CREATE TABLE events (id serial PRIMARY KEY, sender_id text)")
            conn.execute("INSERT INTO events (sender_id) VALUES ('tg-1'), ('tg-2')")
        with psycopg.connect(base.format(role=app, db=rasa), autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM events").fetchone() == (2,)
            conn.execute("DELETE FROM events WHERE sender_id = 'tg-1'")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("INSERT INTO events (sender_id) VALUES ('x')")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("CREATE TABLE mine (id int)")
        with psycopg.connect(base.format(role=app, db=app), autocommit=True) as conn:
            conn.execute("CREATE TABLE leads (id int)")  # Alembic, as the owner
        with pytest.raises(psycopg.OperationalError, match="permission denied"):
            psycopg.connect(base.format(role=rasa, db=app)).close()
    finally:
        script.unlink(missing_ok=True)
        with psycopg.connect(base.format(role="postgres", db="postgres"), autocommit=True) as conn:
            for database in (app, rasa):
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
            for role in (app, rasa):
                conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_every_procfile_process_listens_on_loopback_only() -> None:
    """`make run` (honcho runs each line in a shell): nothing is reachable from the network."""
    lines = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
    )
    assert set(lines) == {"rasa", "actions", "admin", "bot"}
    assert "-i 127.0.0.1" in lines["rasa"]
    assert lines["actions"].startswith("SANIC_HOST=127.0.0.1 ")  # rasa-sdk's default: 0.0.0.0
    assert "--host 127.0.0.1" in lines["admin"]
    assert "0.0.0.0" not in "".join(lines.values())
