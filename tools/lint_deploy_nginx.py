"""`nginx -t` on the server block as compose.yaml's nginx service renders it
(tools/lint-deploy.sh). The container's values are used as they are, except
what only exists inside the compose network: upstream host names become
127.0.0.1, and files mounted into the container are read from the checkout.

usage: python tools/lint_deploy_nginx.py PROJECT_DIR NGINX_BINARY
"""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")
UPSTREAM_HOST = re.compile(r"server\s+[^\s:;]+:(\d+)")


def compose_value(text: str) -> str:
    """A compose value with ${VAR:-default} taken as its default and a
    required ${VAR:?message} as a placeholder name."""

    def fill(match: re.Match) -> str:
        kind, default = match.group(2), match.group(3) or ""
        return default if kind in (":-", "-") else "required.example"

    return INTERPOLATION.sub(fill, str(text))


def main(project: Path, nginx: str) -> int:
    # The renderer the stack uses, from this checkout (PROJECT_DIR may be a copy).
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tools.stack import render_template

    service = yaml.safe_load((project / "compose.yaml").read_text())["services"]["nginx"]
    values = {name: compose_value(value) for name, value in service["environment"].items()}
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith("."):
            mounts[target] = str((project / source).resolve())
    template = next(
        mounts[target] for target in mounts if target.startswith("/etc/nginx/templates/")
    )
    values = {name: mounts.get(value, value) for name, value in values.items()}
    values["PUENTE_UPSTREAM_SERVERS"] = UPSTREAM_HOST.sub(
        r"server 127.0.0.1:\1", values["PUENTE_UPSTREAM_SERVERS"]
    )
    with tempfile.TemporaryDirectory(prefix="lint-nginx-") as tmp:
        prefix = Path(tmp)
        try:
            rendered = render_template(Path(template).read_text(), values)
        except ValueError as error:  # a placeholder compose.yaml gives no value
            print(f"compose.yaml's nginx service: {error}", file=sys.stderr)
            return 1
        (prefix / "puente.conf").write_text(rendered)
        user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(
            f"{user}pid {prefix}/nginx.pid;\n"
            "events { worker_connections 64; }\n"
            "http {\n"
            "    include /etc/nginx/mime.types;\n"
            f"    client_body_temp_path {prefix}/body;\n"
            f"    proxy_temp_path {prefix}/proxy;\n"
            f"    include {prefix}/puente.conf;\n"
            "}\n"
        )
        result = subprocess.run(
            [
                nginx,
                "-t",
                "-q",
                "-p",
                str(prefix),
                "-c",
                str(prefix / "nginx.conf"),
                "-e",
                str(prefix / "error.log"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    sys.stderr.write(result.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]).resolve(), sys.argv[2]))
