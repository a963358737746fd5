# EOR: `make run` serves the demo, `make test` runs everything CI runs. Python 3.11+ only.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Demo settings for `make run` only; real deployments set their own (see .env.example).
RUN_ENV := DEBUG=$${DEBUG:-true}

.PHONY: help venv run migrate demo test lint format check-migrations pytest ci clean bench-smoke messages prod-check oidc-provider

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "EOR needs Python 3.11 or newer")'
	@echo "==> Skapar $(VENV) ($(PYTHON) -m venv)"
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

# pip is silent for a couple of minutes on a fresh machine: say so before it starts.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	@echo "==> Installerar beroenden i $(VENV) (första gången tar det ett par minuter)…"
	@$(BIN)/python -m pip install --quiet -e ".[dev]"
	@echo "    beroenden klara"
	@touch $@

venv: $(VENV)/.installed ## create or update the virtualenv with all dependencies

migrate: venv ## apply database migrations
	@echo "==> Databasen: kör migreringar"
	@$(RUN_ENV) $(BIN)/python manage.py migrate --no-input -v 0

# The demo load's rollup and worker lines go to $(DEMO_LOG), shown only when it fails.
DEMO_LOG := .demo-load.log
demo: migrate ## load the demo organisation and data once (skipped when present)
	@echo "==> Demodata: läser in (första gången ungefär en minut; logg i $(DEMO_LOG))"
	@$(RUN_ENV) LOG_LEVEL=WARNING $(BIN)/python manage.py load_demo --if-empty > $(DEMO_LOG) 2>&1 \
		|| { cat $(DEMO_LOG); echo "load_demo misslyckades (se ovan)"; exit 1; }
	@tail -n 1 $(DEMO_LOG) | sed 's/^/    /'

# The sign-ins are printed last, after runserver's own banner, so they are what one sees.
run: demo ## set up everything and serve the demo on http://127.0.0.1:$(PORT)
	@echo "==> Startar servern på http://127.0.0.1:$(PORT)/ (Ctrl-C stoppar)"
	@( sleep 2; $(RUN_ENV) $(BIN)/python manage.py demo_logins --port $(PORT) ) &
	@$(RUN_ENV) DJANGO_RUNSERVER_HIDE_WARNING=true $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

lint: venv ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-migrations: venv ## fail when a model change has no migration
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

# Where the UI's strings are gathered from; tests/trelleborg/test_translations.py runs the same.
MAKEMESSAGES_ARGS := -l en --no-obsolete --add-location=file --ignore=staticfiles --ignore=node_modules --ignore=bench/out --ignore=tests

messages: venv ## gather the UI strings into locale/en and compile it (README: Translations)
	DEBUG=true $(BIN)/python manage.py makemessages $(MAKEMESSAGES_ARGS)
	DEBUG=true $(BIN)/python manage.py compilemessages -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles

pytest: venv ## the pytest suite alone (PYTEST_ARGS= to narrow it)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint check-migrations pytest ## lint, migration check and the whole suite

bench-smoke: venv ## every benchmark once on tiny data (needs PostgreSQL + Redis; BENCHMARKS.md)
	$(BIN)/python -m bench.smoke

prod-check: venv ## two gunicorns behind nginx (TLS), Celery, PostgreSQL, Redis: exits survive a crash (scripts/prod-check.sh)
	scripts/prod-check.sh

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

OIDC_PORT ?= 8400
oidc-provider: node_modules/.package-lock.json ## a test OpenID Connect provider on 127.0.0.1:$(OIDC_PORT) for `make run` (README: OpenID Connect)
	node scripts/oidc-provider.mjs --port $(OIDC_PORT) --client-id eor --client-secret $${OIDC_RP_CLIENT_SECRET:-local-test-secret} --redirect-uri http://127.0.0.1:$(PORT)/logg/oidc/callback/

ci: ## what CI runs: the suite on throwaway PostgreSQL + Redis, then on SQLite (.ci/run)
	.ci/run

clean: ## remove the virtualenv, the SQLite database and collected static files
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles $(DEMO_LOG)
