#!/usr/bin/env bash
# Create (or reuse) the separate Airflow virtualenv used by the Airflow tests and .ci/run, with the
# postwright provider (providers/airflow) installed into it.
# Airflow must not share a venv with postwright. Idempotent: a venv that already has the
# wanted Airflow version is reused as is. Prints the venv path on stdout (last line).
#
# usage: scripts/airflow-env.sh [VENV_DIR]
#   VENV_DIR defaults to $POSTWRIGHT_AIRFLOW_VENV or <repo>/.airflow-venv
#   AIRFLOW_VERSION (env) defaults to 3.3.2; PYTHON (env) defaults to python3.11 / python3
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-${POSTWRIGHT_AIRFLOW_VENV:-$repo/.airflow-venv}}"
version="${AIRFLOW_VERSION:-3.3.2}"
python="${PYTHON:-$(command -v python3.11 || command -v python3)}"
stamp="$venv/.postwright-airflow-$version"
provider="$repo/providers/airflow"

# pip repeats one warning per package about absent local index directories: drop those.
quiet() { grep -v "^WARNING: Location '" || true; }

# The postwright provider, editable from this checkout (no deps: it needs only the task SDK, which
# Airflow brings; pip fetches its build backend, setuptools). Skipped when already installed.
ensure_provider() {
  local where
  where="$("$venv/bin/python" -c 'import postwright_provider as p; print(p.__file__)' 2>/dev/null || true)"
  if [[ "$where" != "$provider/src/"* ]]; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
      -e "$provider" 2>&1 | quiet >&2
  fi
}

if [[ -f "$stamp" && -x "$venv/bin/airflow" ]]; then
  ensure_provider
  echo "$venv"
  exit 0
fi

# A half-built venv (interrupted install) is thrown away rather than patched.
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip 2>&1 | quiet >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "apache-airflow==$version" 2>&1 | quiet >&2
# Any airflow command writes airflow.cfg into AIRFLOW_HOME: check the install in a scratch home.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
AIRFLOW_HOME="$scratch" "$venv/bin/airflow" version >/dev/null 2>&1 \
  || { echo "airflow $version failed to import" >&2; exit 1; }
touch "$stamp"
ensure_provider
echo "$venv"
