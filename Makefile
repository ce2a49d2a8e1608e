# The two set-up commands of the README: `make demo` and `make test`.
# Each installs what it needs (Python venv, pinned Node sandbox, Airflow env for tests).

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test install sandbox identity-env github-env airflow-env browser-env postgres-env review-env bot-env lint contract bench clean

demo: install sandbox
	$(VENV)/bin/postwright demo

test: install lint contract sandbox identity-env github-env airflow-env browser-env postgres-env review-env bot-env
	$(VENV)/bin/pytest

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev]"
	touch $(STAMP)

sandbox: sandbox/node_modules/.package-lock.json

sandbox/node_modules/.package-lock.json: sandbox/package-lock.json
	npm ci --prefix sandbox --no-audit --no-fund --loglevel=error

# The test-only OpenID provider (npm oidc-provider, pinned) that tests/identity starts on 127.0.0.1.
identity-env: tests/identity/oidc/node_modules/.package-lock.json

tests/identity/oidc/node_modules/.package-lock.json: tests/identity/oidc/package-lock.json
	npm ci --prefix tests/identity/oidc --no-audit --no-fund --loglevel=error

# GitHub's OpenAPI description and recorded exchanges (npm @octokit/openapi, @octokit/fixtures,
# pinned) that hold tests/github's stand-in to GitHub's contract.
github-env: tests/github/contract/node_modules/.package-lock.json

tests/github/contract/node_modules/.package-lock.json: tests/github/contract/package-lock.json
	npm ci --prefix tests/github/contract --no-audit --no-fund --loglevel=error

# GitHub's recorded webhook deliveries and their JSON Schemas (npm @octokit/webhooks-examples,
# @octokit/webhooks-schemas, pinned) that tests/bot signs and sends to the PR bot.
bot-env: tests/bot/payloads/node_modules/.package-lock.json

tests/bot/payloads/node_modules/.package-lock.json: tests/bot/payloads/package-lock.json
	npm ci --prefix tests/bot/payloads --no-audit --no-fund --loglevel=error

airflow-env:
	bash scripts/airflow-env.sh

# Debian's headless Chromium, where tests/report open the run report (Playwright drives it; it
# downloads no browser of its own). Installed only when missing; as root, no prompts.
browser-env:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# Debian's PostgreSQL server binaries (initdb, pg_ctl under /usr/lib/postgresql/<ver>/bin): the store
# tests start their own cluster on 127.0.0.1 (tests/postgres_kit.py). Installed only when missing.
postgres-env:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends postgresql >/dev/null; }

# tmux: tests/review drive `postwright review` in a real terminal (send-keys, capture-pane).
review-env:
	@command -v tmux >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends tmux >/dev/null; }

# The layers of ARCHITECTURE.md, as contracts in .importlinter (tests/test_layers.py runs them too).
contract: install
	$(VENV)/bin/lint-imports --no-cache --no-logo

# ruff (lint and format) over agent, tests, evals and providers, mypy over the first three: seconds once
# mypy has its cache.
lint: install
	$(VENV)/bin/ruff check agent tests evals providers
	$(VENV)/bin/ruff format --check agent tests evals providers
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) sandbox/node_modules tests/identity/oidc/node_modules tests/github/contract/node_modules tests/bot/payloads/node_modules .postwright
