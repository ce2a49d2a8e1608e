#!/usr/bin/env bash
# Create (or reuse) the separate Airflow virtualenv used by the Airflow tests and .ci/run.
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

if [[ -f "$stamp" && -x "$venv/bin/airflow" ]]; then
  echo "$venv"
  exit 0
fi

# pip repeats one warning per package about absent local index directories: drop those.
quiet() { grep -v "^WARNING: Location '" || true; }

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
echo "$venv"
