# Two commands for a newcomer: `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
.DEFAULT_GOAL := help

HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# The first python >= 3.11 on PATH, 3.11 preferred: the server runs on 3.11 to
# 3.13 (requirements.txt is locked for all of them), but snapshottest 0.6, a
# test tool (requirements-dev.txt), still imports the `imp` module that
# Python 3.12 removed.
PYTHON ?= $(shell for p in python3.11 python3.12 python3.13 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; \
	then echo $$p; break; fi; done)

.PHONY: help lock install install-dev install-e2e install-fuzz reference run serve cluster cluster-test image image-test compose-config test test-postgres e2e typescript fuzz fuzz-ci lint format migrate makemigrations superuser openapi seed schema graphiql-assets check-python check-node bench bench-ratio release-documents

help:
	@echo "make run        set up .venv, migrate, load demo data, serve on $(HOST):$(PORT)"
	@echo "make test       set up .venv with dev tools, run the whole suite"
	@echo "make test-postgres  the suite on a throwaway PostgreSQL (scripts/postgres.sh)"
	@echo "make e2e        browser tests in headless Chromium (installed if missing; needs Node.js)"
	@echo "make typescript npm ci, then regenerate the frontend's types and typecheck them"
	@echo "make release-documents  record the trusted documents manifest as released (at each release; docs/GRAPHQL.md)"
	@echo "make fuzz       schemathesis against a throwaway server: REST (OpenAPI) and GraphQL"
	@echo "make fuzz-ci    the same, a short slice with a fixed seed (run by .ci/run)"
	@echo "make serve      the production stack locally: nginx, gunicorn, PostgreSQL, Redis"
	@echo "make cluster    nginx, CLUSTER_NODES app nodes, PgBouncer, PostgreSQL + replica, Redis (drills: scripts/cluster.sh)"
	@echo "make cluster-test  start the cluster, run its failure drills (tests/cluster), tear down"
	@echo "make image     the container image (Dockerfile) as backend:latest, offline: Debian's docker.io, a debootstrap base"
	@echo "make image-test  build it, run it as node 1 of the cluster (tests/cluster/image); skips where dockerd cannot run"
	@echo "make compose-config  validate compose.yaml (docker compose config)"
	@echo "make lint       ruff (check, format check), black --check, isort --check-only, flake8, mypy"
	@echo "make format     ruff fix and format"
	@echo "make migrate    apply migrations"
	@echo "make superuser  create an admin user"
	@echo "make seed       load demo data (ARGS='--users 5 --examples 200' for more)"
	@echo "make openapi    regenerate openapi.yaml from the code (commit the result)"
	@echo "make schema     regenerate schema.graphql (the committed GraphQL SDL)"
	@echo "make graphiql-assets  refresh GraphiQL's vendored files from npm (pinned in scripts/vendor_graphiql.py; commit them)"
	@echo "make lock       regenerate requirements.txt from requirements.in (UPGRADE=1: newest releases)"
	@echo "make reference  set up reference/.venv: the graphene-django reference's own environment"
	@echo "make bench      benchmark REST, GraphQL, graphene and raw Django on PostgreSQL (~12 min; see BENCHMARKS.md)"
	@echo "make bench-ratio  worker CPU per request, Strawberry vs graphene vs raw, valid on a busy machine (~2 min)"

check-python:
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.11 or newer is required (python3.11, python3.12, python3.13 or python3)." >&2; exit 1; fi

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run pip only when a requirements file changes.
$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

# schemathesis on top of the dev tools; requirements-fuzz.txt changes no pin of the others.
$(VENV)/.fuzz-installed: requirements.txt requirements-dev.txt requirements-fuzz.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-fuzz.txt
	touch $@ $(VENV)/.dev-installed $(VENV)/.runtime-installed

$(VENV)/.e2e-installed: requirements.txt requirements-dev.txt requirements-e2e.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-e2e.txt
	touch $@ $(VENV)/.dev-installed $(VENV)/.runtime-installed

$(VENV)/.bench-installed: requirements.txt requirements-bench.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-bench.txt
	touch $@ $(VENV)/.runtime-installed

# requirements.txt is the lock of requirements.in, made by uv (pinned in
# requirements-dev.txt). uv rather than pip-tools: one static binary with no
# dependencies of its own, so the tool cannot conflict with what it locks, and
# `--universal` writes one lock valid on every Python >= 3.11 and platform
# (markers where they differ). Existing pins are kept unless UPGRADE=1, so
# adding a dependency changes only the lines it needs.
LOCK_FLAGS := --python-version 3.11 --universal --custom-compile-command "make lock" --quiet
lock: install-dev
	$(BIN)/uv pip compile requirements.in --output-file requirements.txt $(LOCK_FLAGS) $(if $(UPGRADE),--upgrade)

# The graphene-django reference (reference/): an environment of its own, with
# graphql-core 3.2, which the product's (3.3) cannot share. The parity tests
# and the benchmarks start its server from here.
REF_VENV := reference/.venv
REF_BIN := $(REF_VENV)/bin

$(REF_BIN)/python: | check-python
	$(PYTHON) -m venv $(REF_VENV)
	$(REF_BIN)/python -m pip install --quiet --upgrade pip

$(REF_VENV)/.installed: reference/requirements.txt | $(REF_BIN)/python
	$(REF_BIN)/pip install --quiet -r reference/requirements.txt
	touch $@

reference: $(REF_VENV)/.installed

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed
install-e2e: $(VENV)/.e2e-installed
install-fuzz: $(VENV)/.fuzz-installed

check-node:
	@command -v npm >/dev/null 2>&1 || { echo "Node.js and npm are required (the TypeScript tooling, the browser tests, make graphiql-assets)." >&2; exit 1; }

# npm ci again only when the lock file changes.
node_modules/.package-lock.json: package.json package-lock.json | check-node
	npm ci --no-audit --no-fund

migrate: install
	$(MANAGE) migrate --noinput

makemigrations: install
	$(MANAGE) makemigrations

# Demo data only goes into an empty database; the demo login is printed either way.
run: migrate
	$(MANAGE) seed_demo_data --if-empty --base-url http://$(HOST):$(PORT)
	@echo "Browsable API  http://$(HOST):$(PORT)/api/v1/   log in at /api-auth/login/ (the demo login above)"
	@echo "Swagger UI     http://$(HOST):$(PORT)/api/docs/  Authorize with \"Token <the token above>\""
	@echo "GraphiQL       http://$(HOST):$(PORT)/graphql/   log in first at /api-auth/login/?next=/graphql/"
	@echo "Entry points   http://$(HOST):$(PORT)/           (JSON)"
	$(MANAGE) runserver $(HOST):$(PORT)

seed: migrate
	$(MANAGE) seed_demo_data $(ARGS)

test: install-dev reference
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The whole suite against a throwaway PostgreSQL cluster on a free loopback port. Needs Node.js:
# the typed client's reconnect tests run the frontend's own code against a real server.
test-postgres: install-dev reference node_modules/.package-lock.json
	scripts/postgres.sh run $(BIN)/python -m pytest $(PYTEST_ARGS)

# Headless Chromium against a real backend process, the frontend fixture page
# on http://localhost:3000 (must be free) and GraphiQL. Starts and stops all
# of it; failures leave a screenshot and the console log in a temp folder.
e2e: install-e2e node_modules/.package-lock.json
	scripts/chromium.sh install
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

# The frontend's view of the contracts: types from schema.graphql and
# openapi.yaml, then tsc. Regenerated files that differ from the committed
# ones are left changed (CI fails on them: commit them).
typescript: check-node
	npm ci --no-audit --no-fund
	npm run codegen
	npm run typecheck

# At each release (docs/GRAPHQL.md, "Trusted documents across releases"): add
# this manifest's documents to frontend/released-documents.json and commit it,
# so the next release's nodes still serve this release's frontend.
# RELEASE_DOCUMENTS_ARGS=--previous also adds the previous release's, from git.
release-documents: install
	$(BIN)/python manage.py release_documents $(RELEASE_DOCUMENTS_ARGS)

# scripts/fuzz.sh: its own server on a free loopback port and a temp SQLite
# database, stopped on exit. FUZZ_SEED and FUZZ_MAX_EXAMPLES override the defaults.
fuzz: install-fuzz
	scripts/fuzz.sh full

fuzz-ci: install-fuzz
	scripts/fuzz.sh ci

# ruff, then the team's four commands, configured to agree with it
# (pyproject.toml, setup.cfg): black and isort only check here, `make format`
# is ruff's. mypy checks the product packages with the Django, DRF and
# Strawberry plugins.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/black --check --quiet .
	$(BIN)/isort --check-only --quiet .
	$(BIN)/flake8 .
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Production settings + gunicorn + PostgreSQL + Redis on loopback, stopped on exit.
serve: install
	scripts/serve.sh

# The same stack as a cluster on loopback ports: nginx on $(HOST):$(PORT), CLUSTER_NODES
# (2) app nodes with their task workers, PgBouncer, a PostgreSQL primary and replica,
# Redis; Ctrl-C stops everything. Failure drills: scripts/cluster.sh stop|kill|start NODE, ...
cluster: install
	HOST=$(HOST) PORT=$(PORT) scripts/cluster.sh up

cluster-test: install-dev node_modules/.package-lock.json
	$(BIN)/python -m pytest tests/cluster --ignore=tests/cluster/image $(PYTEST_ARGS)

# The container image, built with no registry (scripts/image.sh): a base image
# from debootstrap (BASE_IMAGE=backend-base:bookworm), wheels from the host.
image: install
	scripts/image.sh build

# The cluster with the image built and run as node 1 (tests/cluster/image). Runs where
# dockerd can (root, network namespaces); elsewhere one line says why and it passes.
image-test: install-dev
	@reason=$$(scripts/image.sh obstacle); \
	if [ -n "$$reason" ]; then echo "image-test skipped: $$reason"; exit 0; fi; \
	$(BIN)/python -m pytest tests/cluster/image $(PYTEST_ARGS)

# compose.yaml validated by Compose itself (Debian's docker-compose, installed if missing).
compose-config:
	@command -v docker-compose >/dev/null 2>&1 || { source scripts/lib.sh && apt_install docker-compose; }
	SECRET_KEY=validate DB_PASSWORD=validate docker-compose --file compose.yaml --profile replica config --quiet
	@echo "compose.yaml is valid."

# Interactive by default; with DJANGO_SUPERUSER_USERNAME, _EMAIL and _PASSWORD set it never prompts.
superuser: migrate
	@if [ -n "$$DJANGO_SUPERUSER_PASSWORD" ]; then $(MANAGE) createsuperuser --noinput; else $(MANAGE) createsuperuser; fi

# The committed openapi.yaml must equal this output; tests/api/test_openapi.py checks it.
openapi: install
	$(MANAGE) spectacular --file openapi.yaml --validate --fail-on-warn --lang en-us

# The committed SDL; tests/graphql/test_schema_sdl.py fails when it drifts from the code.
schema: install
	$(MANAGE) export_schema graphql_api.schema --path schema.graphql

# GraphiQL's files, committed under graphql_api/static/graphql_api/graphiql/ with
# their versions and hashes (versions.json); serving them needs no Node.js.
graphiql-assets: check-node install
	$(BIN)/python scripts/vendor_graphiql.py

# Benchmarks on a throwaway PostgreSQL and gunicorn, stopped on exit; writes
# benchmarks/results/ and the results section of BENCHMARKS.md. Not run by CI.
bench: $(VENV)/.bench-installed reference
	benchmarks/run.sh

# CPU time per request of the list endpoints, servers of 1 worker x 1 thread,
# interleaved (benchmarks/ratio.py): the ratios hold on a busy machine.
bench-ratio: install reference
	benchmarks/ratio.sh
