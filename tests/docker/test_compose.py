"""Structure of the production-like deployment (docker/), checked without a container engine.

`docker compose config` is not available on the development machines, so the compose file is read
with PyYAML (which resolves the x-airflow-common anchors and `<<` merges like compose does) and
${VAR} interpolation is done here the way compose does it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCKER = REPO / "docker"
COMPOSE = DOCKER / "compose.yaml"

AIRFLOW_SERVICES = [
    "airflow-init",
    "airflow-api-server",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
]
STATEFUL = ["platform-db", "airflow-db", "redis", "sftp", "mail"]
DEPARTMENT_ACCOUNTS = [
    "public_security",
    "civil_affairs",
    "education",
    "market_regulation",
    "tax",
    "social_insurance",
    "towns",
]
SECRET_WORDS = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|JWT|REDISCLI_AUTH|(^|_)KEY$", re.IGNORECASE)
_VAR = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose-style ${VAR}, ${VAR:-default}, ${VAR:?error}: values from env, else defaults, else 'x'."""
    env = env or {}

    def sub(m: re.Match) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        if env.get(name):
            return env[name]
        if op in (":-", "-"):
            return arg
        return "x"

    return _VAR.sub(sub, value.replace("$$", "\0")).replace("\0", "$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _required_airflow_version() -> str:
    for line in (REPO / "requirements.txt").read_text().splitlines():
        m = re.match(r"apache-airflow==([\w.]+)\s*$", line.strip())
        if m:
            return m.group(1)
    raise AssertionError("requirements.txt pins no apache-airflow version")


def test_all_platform_and_airflow_services_are_present(services):
    expected = {
        "platform-db",
        "airflow-db",
        "redis",
        "sftp",
        "mail",
        "province-sandbox",
        "platform-migrate",
        *AIRFLOW_SERVICES,
    }
    assert expected <= set(services)


def test_every_depends_on_target_is_a_service(services):
    for name, service in services.items():
        targets = service.get("depends_on") or {}
        for target in targets:
            assert target in services, f"{name} depends on unknown service {target}"


def test_depends_on_uses_conditions(services):
    allowed = {"service_healthy", "service_completed_successfully", "service_started"}
    for name, service in services.items():
        deps = service.get("depends_on") or {}
        assert isinstance(deps, dict), f"{name}: depends_on without conditions"
        for target, spec in deps.items():
            assert spec.get("condition") in allowed, f"{name} -> {target}"


def test_healthy_conditions_point_at_services_with_healthchecks(services):
    for name, service in services.items():
        for target, spec in (service.get("depends_on") or {}).items():
            if spec.get("condition") == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target}, which has no healthcheck"


def test_stateful_services_have_healthchecks_and_volumes(services):
    for name in STATEFUL:
        assert services[name].get("healthcheck", {}).get("test"), name
        assert services[name].get("volumes"), name


def test_long_running_airflow_components_have_healthchecks(services):
    for name in AIRFLOW_SERVICES[1:]:
        assert services[name].get("healthcheck", {}).get("test"), name


def test_executor_is_celery_with_redis_broker_and_database_results(services):
    for name in AIRFLOW_SERVICES:
        env = _env(services[name])
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://"), name
        assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://"), name
        assert "@airflow-db:" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], name


def test_airflow_metadata_and_platform_data_are_on_separate_servers(services):
    env = _env(services["airflow-scheduler"])
    assert "@airflow-db:" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert "@platform-db:" in env["CANBAO_DATABASE_URL"]


def test_components_share_one_jwt_secret_and_reach_the_execution_api(services):
    secrets = {_env(services[n])["AIRFLOW__API_AUTH__JWT_SECRET"] for n in AIRFLOW_SERVICES}
    assert len(secrets) == 1
    api = _env(services["airflow-worker"])["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
    assert api.startswith("http://airflow-api-server:8080/")


def test_workers_are_scalable(services):
    for name in ("airflow-worker", "airflow-worker-region"):
        worker = services[name]
        assert "container_name" not in worker, name
        assert not worker.get("ports"), f"{name} publishes a host port: cannot scale"
        assert worker["command"].startswith("celery worker"), name


def test_region_workers_listen_on_county_queues(services):
    command = interpolate(services["airflow-worker-region"]["command"])
    assert "--queues county_" in command


def test_airflow_commands_run_each_component(services):
    assert services["airflow-api-server"]["command"] == "api-server"
    assert services["airflow-scheduler"]["command"] == "scheduler"
    assert services["airflow-dag-processor"]["command"] == "dag-processor"
    assert services["airflow-triggerer"]["command"] == "triggerer"


def test_init_migrates_and_creates_the_admin_user(services):
    env = _env(services["airflow-init"])
    assert env["_AIRFLOW_DB_MIGRATE"] == "true"
    assert env["_AIRFLOW_WWW_USER_CREATE"] == "true"
    for name in AIRFLOW_SERVICES[1:]:
        condition = services[name]["depends_on"]["airflow-init"]["condition"]
        assert condition == "service_completed_successfully", name


def test_every_needed_airflow_connection_is_set_as_valid_json(services):
    for name in AIRFLOW_SERVICES:
        env = _env(services[name])
        for conn_id, conn_type in (("CANBAO_SFTP", "sftp"), ("CANBAO_DB", "postgres"), ("CANBAO_SMTP", "smtp")):
            conn = json.loads(interpolate(env[f"AIRFLOW_CONN_{conn_id}"]))
            assert conn["conn_type"] == conn_type, (name, conn_id)


def test_sftp_connection_is_the_platform_account_with_pinned_host_key(services):
    conn = json.loads(interpolate(_env(services["airflow-worker"])["AIRFLOW_CONN_CANBAO_SFTP"]))
    assert conn["host"] == "sftp" and conn["login"] == "canbao"
    assert conn["extra"]["no_host_key_check"] == "false"
    assert conn["extra"]["host_key"]
    assert conn["extra"]["key_file"].startswith("/run/secrets/")


def test_platform_settings_reach_the_workers(services):
    env = _env(services["airflow-worker"])
    for name in ("CANBAO_DATABASE_URL", "CANBAO_SMTP_HOST", "CANBAO_ALERT_TO", "CANBAO_PROVINCE_URL",
                 "CANBAO_NODE_ID", "CANBAO_NODE_SECRET", "CANBAO_ARCHIVE_DIR", "AIRFLOW__API__BASE_URL"):
        assert name in env, name


def test_named_volumes_are_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes") or []:
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source")
            if source and not source.startswith((".", "/", "$")):
                assert source in declared, f"{name} uses undeclared volume {source}"


def test_secrets_used_are_declared_as_files_under_docker_secrets(compose, services):
    declared = compose.get("secrets") or {}
    for name, service in services.items():
        for secret in service.get("secrets") or []:
            assert secret in declared, f"{name} uses undeclared secret {secret}"
    for secret in declared.values():
        assert secret["file"].startswith("./secrets/")


def _secret_like_values(node, path=""):
    """Yield (path, value) for every mapping entry whose key names a secret."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}"
            if isinstance(value, (dict, list)):
                yield from _secret_like_values(value, here)
            elif SECRET_WORDS.search(str(key)):
                yield here, "" if value is None else str(value)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _secret_like_values(item, f"{path}[{i}]")


def test_compose_holds_no_secret_literals(compose):
    for path, value in _secret_like_values(compose):
        assert value == "" or value.startswith("${"), f"{path} = {value!r} is a literal secret"


def test_connection_passwords_come_from_the_environment(services):
    """After interpolation with no environment, a password is 'x' (required variable) or empty."""
    for name in AIRFLOW_SERVICES:
        for key, value in _env(services[name]).items():
            resolved = interpolate(value)
            for m in re.finditer(r'"password":\s*"([^"]*)"', resolved):
                assert m.group(1) in ("x", ""), f"{name} {key} has a literal password"
            for m in re.finditer(r"://[^:/@]*:([^@]*)@", resolved):
                assert m.group(1) in ("x", ""), f"{name} {key} has a literal password in a URL"


def test_required_secrets_fail_loudly_when_unset(services):
    env = _env(services["airflow-scheduler"])
    for key in ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW__API__SECRET_KEY",
                "CANBAO_NODE_SECRET"):
        assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", env[key]), key


def test_env_example_defines_every_variable_compose_uses():
    lines = COMPOSE.read_text(encoding="utf-8").replace("$$", "").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    used_names = {name for name, _, _ in _VAR.findall(text)}
    example = {
        line.split("=", 1)[0]
        for line in (DOCKER / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert used_names - example == set()


def test_env_example_leaves_secrets_empty():
    for line in (DOCKER / ".env.example").read_text(encoding="utf-8").splitlines():
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        key, value = line.split("=", 1)
        if SECRET_WORDS.search(key) and key != "CANBAO_SFTP_HOST_KEY":
            assert value == "", f"{key} has a value in .env.example"


def test_dockerfile_pins_the_airflow_version_of_requirements():
    version = _required_airflow_version()
    froms = [
        line.split()[1]
        for line in (DOCKER / "Dockerfile").read_text().splitlines()
        if line.strip().upper().startswith("FROM ")
    ]
    assert froms == [f"apache/airflow:{version}-python3.11"]
    assert f'"apache-airflow=={version}"' in (DOCKER / "Dockerfile").read_text()


def test_dockerfile_installs_the_project_and_copies_its_folders():
    text = (DOCKER / "Dockerfile").read_text()
    assert "-c ${CANBAO_SRC}/requirements.lock" in text
    assert "pip install --no-cache-dir --no-deps -e ${CANBAO_SRC}" in text
    for folder in ("dags", "plugins", "expectations", "include", "config", "canbao"):
        assert re.search(rf"^COPY .*\b{folder} \$\{{CANBAO_SRC\}}/{folder}$", text, re.M), folder


def test_image_dags_and_plugins_folders_match_compose(services):
    env = _env(services["airflow-scheduler"])
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/canbao/dags"
    assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == "/opt/canbao/plugins"


def test_build_context_is_the_repository_root(services):
    build = services["airflow-scheduler"]["build"]
    assert (COMPOSE.parent / build["context"]).resolve() == REPO
    assert (REPO / build["dockerfile"]).is_file()
