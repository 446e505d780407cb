"""The container and service files (Dockerfile, compose.yaml, deploy/systemd,
deploy/env.example): thin wrappers around deploy/entrypoint.sh, checked by
tools/lint-deploy.sh in the lint gate. No container daemon here: what can
be checked without building the image is checked."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
LINT = ROOT / "tools" / "lint-deploy.sh"
SYSTEMD = ROOT / "deploy" / "systemd"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"
COMPOSE_ONLY = {
    "POSTGRES_PASSWORD",
    "PUENTE_SERVER_NAME",
    "PUENTE_HTTP_PORT",
    "PUENTE_APP_REPLICAS",
    "PUENTE_WEB_WORKERS",
    "PUENTE_TLS_DIR",
}


def compose():
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def entrypoint_roles():
    text = ENTRYPOINT.read_text()
    return set(re.findall(r"^  ([a-z]+)\)$", text, re.M))


def env_example():
    """NAME -> value of deploy/env.example's lines, commented-out ones included."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"#?([A-Z][A-Z0-9_]*)=(.*)", line)
        if match:
            values[match[1]] = match[2]
    return values


def lint(folder):
    return subprocess.run(
        ["bash", str(LINT), str(folder)], capture_output=True, text=True, timeout=300, check=False
    )


# --- tools/lint-deploy.sh ---------------------------------------------------------


def test_the_deployment_files_pass_the_lint():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stderr
    for check in ("hadolint Dockerfile", "compose files", "bash -n deploy/entrypoint.sh"):
        assert f"ok: {check}" in result.stdout
    if shutil.which("systemd-analyze"):
        assert "ok: systemd-analyze verify deploy/systemd" in result.stdout
    if shutil.which("nginx") or Path("/usr/sbin/nginx").exists():
        assert "ok: nginx -t" in result.stdout


def replace(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


BREAKAGES = {
    "hadolint Dockerfile": lambda d: replace(
        d / "Dockerfile",
        "WORKDIR /app\nCOPY requirements.txt",
        "RUN cd /app\nCOPY requirements.txt",
    ),
    "compose files": lambda d: replace(
        d / "compose.yaml", "replicas: ${PUENTE_APP_REPLICAS:-2}", "replicas: [2]"
    ),
    "systemd-analyze verify deploy/systemd": lambda d: replace(
        d / "deploy" / "systemd" / "puente-worker.service", "Type=exec", "Type=sometimes"
    ),
    "bash -n deploy/entrypoint.sh": lambda d: replace(
        d / "deploy" / "entrypoint.sh", "esac", "esca"
    ),
    "nginx -t": lambda d: replace(
        d / "deploy" / "nginx" / "puente.conf.template", "server_tokens off;", "server_tokens of;"
    ),
    "compose.yaml's nginx service": lambda d: replace(
        d / "compose.yaml", "      PUENTE_SERVER_NAME: ${PUENTE_SERVER_NAME:?", "      X: ${X:?"
    ),
}


@pytest.mark.parametrize("check", BREAKAGES)
def test_the_lint_fails_on_a_broken_file_and_names_the_check(tmp_path, check):
    if check.startswith("systemd") and not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    if check.startswith(("nginx", "compose.yaml's")) and not (
        shutil.which("nginx") or Path("/usr/sbin/nginx").exists()
    ):
        pytest.skip("nginx is not installed")
    copy = tmp_path / "project"
    copy.mkdir()
    for name in ("Dockerfile", ".hadolint.yaml", "compose.yaml"):
        shutil.copy2(ROOT / name, copy / name)
    shutil.copytree(ROOT / "deploy", copy / "deploy")
    BREAKAGES[check](copy)
    result = lint(copy)
    assert result.returncode == 1
    failed = re.findall(r"^lint-deploy: FAILED: (.*)$", result.stderr, re.M)
    expected = "nginx -t" if check.startswith(("nginx", "compose.yaml's")) else check
    assert len(failed) == 1 and failed[0].startswith(expected), result.stderr
    if check == "compose.yaml's nginx service":
        assert "no value for PUENTE_SERVER_NAME" in result.stderr


# --- Dockerfile ---------------------------------------------------------------------


def test_the_image_is_multi_stage_non_root_and_runs_the_entrypoint():
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) == 2
    assert "FROM ${PYTHON_IMAGE} AS builder" in text
    assert "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" in text
    (user,) = re.findall(r"^USER (\S+)$", text, re.M)
    assert user == "10001:10001"
    assert "--uid 10001" in text
    assert 'ENTRYPOINT ["deploy/entrypoint.sh"]' in text
    assert 'CMD ["web"]' in text
    assert "EXPOSE 8000" in text
    healthcheck = text[text.index("HEALTHCHECK") :]
    assert "/health/live" in healthcheck.split("ENTRYPOINT")[0]
    builder = text.split("\nFROM ${PYTHON_IMAGE}\n")[0]
    assert "collectstatic --noinput" in builder and "compilemessages" in builder


def test_the_image_leaves_out_local_environments_and_data():
    ignored = set((ROOT / ".dockerignore").read_text().splitlines())
    assert {".git", ".venv", "var/", "media/", "staticfiles/", "db.sqlite3", ".env"} <= ignored
    assert "node_modules" in ignored


# --- compose.yaml ---------------------------------------------------------------------


def test_compose_runs_every_part_of_puente_through_the_entrypoint():
    services = compose()["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "elasticsearch",
        "static",
        "release",
        "app",
        "worker",
        "scheduler",
        "nginx",
    }
    roles = entrypoint_roles()
    assert roles == {"web", "worker", "scheduler", "release", "manage"}
    expected = {
        "app": "web",
        "worker": "worker",
        "scheduler": "scheduler",
        "release": "release",
        "static": "manage",
    }
    for name, role in expected.items():
        assert services[name]["command"][0] == role
        assert services[name]["image"] == "${PUENTE_IMAGE:-puente:latest}"
    for name in ("app", "worker", "scheduler"):
        assert services[name]["depends_on"]["release"] == {
            "condition": "service_completed_successfully"
        }
    assert "/health/ready" in " ".join(services["app"]["healthcheck"]["test"])
    assert services["app"]["deploy"]["replicas"] == "${PUENTE_APP_REPLICAS:-2}"
    assert services["nginx"]["depends_on"]["app"] == {"condition": "service_healthy"}
    # Only nginx is reachable from outside.
    assert [name for name, service in services.items() if "ports" in service] == ["nginx"]
    es = services["elasticsearch"]["environment"]
    assert es["discovery.type"] == "single-node"
    assert services["elasticsearch"]["mem_limit"]


def test_compose_nginx_gives_every_placeholder_of_the_template():
    nginx = compose()["services"]["nginx"]
    template = (ROOT / "deploy" / "nginx" / "puente.conf.template").read_text()
    placeholders = set(re.findall(r"\$\{(PUENTE_[A-Z0-9_]+)\}", template))
    assert placeholders and placeholders <= set(nginx["environment"])
    assert nginx["environment"]["PUENTE_UPSTREAM_SERVERS"] == "server app:8000;"
    assert (
        "./deploy/nginx/puente.conf.template:/etc/nginx/templates/default.conf.template:ro"
        in nginx["volumes"]
    )
    for mount in nginx["volumes"]:
        source = mount.split(":")[0]
        if source.startswith("./"):
            assert (ROOT / source).exists(), source


def test_the_tls_override_switches_nginx_to_the_tls_include():
    tls = yaml.safe_load((ROOT / "deploy" / "compose.tls.yaml").read_text())
    env = tls["services"]["nginx"]["environment"]
    assert env["PUENTE_LISTEN"] == "443 ssl"
    mounted = {
        mount.split(":")[1]: mount.split(":")[0]
        for mount in compose()["services"]["nginx"]["volumes"]
    }
    assert mounted[env["PUENTE_TLS_INCLUDE"]] == "./deploy/nginx/tls.conf"


# --- systemd -----------------------------------------------------------------------------


def unit_values(path):
    values = {}
    for line in path.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


@pytest.mark.parametrize("path", sorted(SYSTEMD.glob("*.service")), ids=lambda p: p.name)
def test_each_service_runs_the_entrypoint_as_puente_hardened(path):
    values = unit_values(path)
    (exec_start,) = values["ExecStart"]
    script, role, *_ = exec_start.split()
    assert script == "/srv/puente/deploy/entrypoint.sh"
    assert role in entrypoint_roles()
    assert values["User"] == ["puente"]
    assert values["WorkingDirectory"] == ["/srv/puente"]
    assert values["EnvironmentFile"] == ["/etc/puente/env"]
    assert "PUENTE_PYTHON=/srv/puente/.venv/bin/python" in " ".join(values["Environment"])
    for setting, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "PrivateTmp": "yes",
    }.items():
        assert values[setting] == [value], setting


def test_the_app_servers_listen_on_loopback_at_their_instance_port():
    values = unit_values(SYSTEMD / "puente-web@.service")
    assert "PUENTE_BIND=127.0.0.1:%i" in values["Environment"]
    assert values["ReadWritePaths"] == ["/srv/puente/media"]
    assert "puente-release.service" in values["Requires"][0]


# --- deploy/env.example ---------------------------------------------------------------


def test_the_env_file_is_plain_name_equals_value_lines():
    """What docker compose's env_file and systemd's EnvironmentFile both read
    the same way: no quotes, no spaces around "=", no trailing comments."""
    for number, line in enumerate(ENV_EXAMPLE.read_text().splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*=[^\s\"'#]*", line), f"line {number}: {line!r}"


def test_every_variable_of_the_env_file_is_read_by_something():
    settings_text = (ROOT / "config" / "settings" / "production.py").read_text()
    settings_text += (ROOT / "config" / "settings" / "base.py").read_text()
    compose_text = (ROOT / "compose.yaml").read_text() + (
        ROOT / "deploy" / "compose.tls.yaml"
    ).read_text()
    for name in env_example():
        where = compose_text if name in COMPOSE_ONLY else settings_text
        assert f'"{name}"' in where or f"${{{name}" in where, f"{name}: nothing reads it"


def production_env(values):
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        **{name: value for name, value in values.items() if name not in COMPOSE_ONLY},
    }


def test_the_env_file_as_shipped_stops_startup_naming_the_secret_to_fill_in():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=production_env(_uncommented(env_example())),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "puente: configuration error: the environment variable SECRET_KEY is required in production"
    ]


def test_the_env_file_filled_in_passes_check_deploy():
    values = _uncommented(env_example())
    values["SECRET_KEY"] = "a-long-random-secret-key-of-fifty-characters-or-more-x9"
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(values),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _uncommented(values):
    text = ENV_EXAMPLE.read_text()
    return {name: value for name, value in values.items() if f"\n{name}=" in text}
