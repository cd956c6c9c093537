"""docker-compose.yml and docker/: the production topology as a file.

`docker compose config` validates the file when the docker client and its compose plugin
are installed (no Docker engine needed); the tests on what it resolves skip otherwise.
The checks on the file itself (no secret in it, the Rasa image matching the pinned Rasa,
every variable endpoints.yml reads being set) always run.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tools.stack import ROOT

pytestmark = pytest.mark.timeout(120)

COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_DOCKERFILE = ROOT / "docker" / "app.Dockerfile"
RASA_DOCKERFILE = ROOT / "docker" / "rasa.Dockerfile"
SERVICES = {"postgres", "redis", "migrate", "actions", "rasa-a", "rasa-b", "bot", "admin"}
APP_SERVICES = {"migrate", "actions", "bot", "admin"}
RASA_SERVICES = {"rasa-a", "rasa-b"}
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|SALT|KEY", re.IGNORECASE)
# Stand-ins for .env: they must reach the containers through env_file, nowhere else.
SENTINELS = {
    "POSTGRES_PASSWORD": "sentinel-pg-password",
    "PGPASSWORD": "sentinel-pg-password",
    "RASA_AUTH_TOKEN": "sentinel-rasa-token",
    "ADMIN_SECRET_KEY": "sentinel-admin-key-" + "x" * 32,
    "FUNNEL_SALT": "sentinel-salt",
    "TELEGRAM_BOT_TOKEN": "123:sentinel-telegram-token",
}


def compose_command() -> list[str] | None:
    """`docker compose` when the client and the compose plugin both answer, else None."""
    docker = shutil.which("docker")
    if docker is None:
        return None
    try:
        done = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        return None
    return [docker, "compose"] if done.returncode == 0 else None


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The configuration as `docker compose config` resolves it, against a stand-in .env."""
    command = compose_command()
    if command is None:
        pytest.skip("no docker client with the compose plugin: `docker compose config` not run")
    env_file = tmp_path_factory.mktemp("compose") / "test.env"
    env_file.write_text("".join(f"{name}={value}\n" for name, value in SENTINELS.items()))
    # Only this variable is interpolated by the file; the stand-in keeps a real .env out.
    env = {"PATH": str(Path(command[0]).parent), "HOME": str(env_file.parent),
           "PASSERELLE_ENV_FILE": str(env_file)}
    base = [*command, "-f", str(COMPOSE_FILE)]
    quiet = subprocess.run([*base, "config", "-q"], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=60)
    assert quiet.returncode == 0, quiet.stderr
    full = subprocess.run([*base, "config", "--format", "json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(full.stdout)


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


def test_rasa_uses_the_redis_lock_store_and_the_postgresql_tracker_store(
        resolved: dict) -> None:
    for name in RASA_SERVICES:
        service = resolved["services"][name]
        env = service["environment"]
        assert env["LOCK_STORE_TYPE"] == "redis"
        assert (env["REDIS_HOST"], env["REDIS_PORT"]) == ("redis", "6379")
        assert env["TRACKER_DIALECT"] == "postgresql"
        assert env["TRACKER_DATABASE_URL"] == "postgresql://passerelle@postgres:5432/rasa"
        assert env["ACTION_SERVER_URL"] == "http://actions:5055/webhook"
        assert env["RASA_AUTH_TOKEN"] == SENTINELS["RASA_AUTH_TOKEN"]  # from env_file
        command = " ".join(service["command"])
        assert "--auth-token" in command and SENTINELS["RASA_AUTH_TOKEN"] not in command
        [models] = service["volumes"]
        assert (models["source"], models["target"]) == (str(ROOT / "models"), "/app/models")
        assert models["read_only"]
        for option in ("--endpoints", "--credentials"):
            path = command.split(option + " ", 1)[1].split()[0]
            assert f"COPY endpoints.yml credentials.yml {Path(path).parent}/" in (
                RASA_DOCKERFILE.read_text())
        depends = service["depends_on"]
        assert depends["redis"]["condition"] == "service_healthy"
    assert resolved["services"]["rasa-a"]["depends_on"]["postgres"]["condition"] == (
        "service_healthy")


def test_our_services_share_one_image_with_different_commands(resolved: dict) -> None:
    services = resolved["services"]
    app = [services[name] for name in sorted(APP_SERVICES)]
    assert {s["image"] for s in app} == {"passerelle-app:latest"}
    assert {s["build"]["dockerfile"] for s in app} == {"docker/app.Dockerfile"}
    assert len({tuple(s["command"]) for s in app}) == len(app)
    for service in app:
        env = service["environment"]
        assert env["DATABASE_URL"] == "postgresql://passerelle@postgres:5432/passerelle"
        assert env["RASA_URL"] == "http://rasa-a:5005,http://rasa-b:5005"
        assert env["PGPASSWORD"] == SENTINELS["PGPASSWORD"]  # from env_file
    for name in ("actions", "admin"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully")


def test_only_the_webhook_and_the_dashboard_are_published_on_loopback(resolved: dict) -> None:
    published = {name: s["ports"] for name, s in resolved["services"].items() if s.get("ports")}
    assert set(published) == {"bot", "admin"}
    assert [(p["host_ip"], p["published"], p["target"]) for p in published["bot"]] == [
        ("127.0.0.1", "8443", 8443)]
    assert [(p["host_ip"], p["published"], p["target"]) for p in published["admin"]] == [
        ("127.0.0.1", "8000", 8000)]
    assert resolved["services"]["bot"]["environment"]["TELEGRAM_WEBHOOK_LISTEN"] == "0.0.0.0"


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


def test_no_secret_is_written_in_the_compose_file(raw: dict) -> None:
    source = COMPOSE_FILE.read_text(encoding="utf-8")
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", source), "a password inside a URL"
    # The only interpolation is the env file's own path: secrets reach the containers
    # through env_file, so no ${SECRET} pulls them into the configuration either.
    assert set(re.findall(r"(?<!\$)\$\{(\w+)", source)) == {"PASSERELLE_ENV_FILE"}
    for name, service in raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            assert not SECRET_NAME.search(key), f"{name}: {key}={value!r} belongs in .env"
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


def test_the_rasa_image_is_the_official_one_of_the_pinned_rasa_version(raw: dict) -> None:
    pinned = re.search(r"^rasa==([\w.]+)$", (ROOT / "requirements" / "rasa.txt").read_text(),
                       re.MULTILINE)
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
