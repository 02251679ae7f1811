# vanthu — two commands on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UNO_VENV := .venv-uno
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev
# The suite runs in two pytest-xdist workers (CI has two cores); each has its own test database, media, PKI,
# SoftHSM token and LibreOffice. TEST_WORKERS=0 runs it in this process.
TEST_WORKERS ?= 2

.PHONY: demo test deploy-test setup system-deps system-deps-test venv uno-venv migrate run lint format lock messages makemessages clean bench

demo: setup migrate ## set up, migrate SQLite, load demo data and serve on 127.0.0.1:8000
	$(PY) manage.py load_demo
	@scripts/run_demo.sh $(HOST) $(PORT)

setup: system-deps venv uno-venv messages

messages: venv  ## compile the translation catalogues (.mo files are generated, never committed)
	@cd locale && ../$(PY) ../manage.py compilemessages -v0

system-deps:
	@scripts/ensure_system_deps.sh product

system-deps-test:
	@scripts/ensure_system_deps.sh test

# The venv is rebuilt only when the pinned requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# unoserver needs LibreOffice's UNO bridge, which only Debian's own python3 sees.
$(UNO_VENV)/.installed: requirements.txt
	@test -x $(UNO_VENV)/bin/python || /usr/bin/python3 -m venv --system-site-packages $(UNO_VENV)
	$(UNO_VENV)/bin/python -m pip install -q "$$(grep -i '^unoserver==' requirements.txt)"
	@touch $@

uno-venv: $(UNO_VENV)/.installed

migrate: venv
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py collectstatic --no-input -v0

run: venv
	@scripts/run_demo.sh $(HOST) $(PORT)

test: setup system-deps-test lint ## lint, checks and the whole suite
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run -v1
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# docs/deployment.md's topology on loopback (nginx, two gunicorn, two workers, PostgreSQL, Redis), walked over
# HTTPS. Needs PostgreSQL and Redis running: DEPLOY_TEST_DATABASE_URL (recreated), DEPLOY_TEST_CACHE_URL.
deploy-test: setup system-deps-test
	VANTHU_DEPLOY_TEST=1 DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest tests/deploy -q $(PYTEST_ARGS)

lint: venv  ## ruff, and the dependency rule of the design as import-linter contracts (pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

makemessages: venv  ## refresh locale/en from the source strings (keeps existing translations)
	$(PY) manage.py makemessages -l en --ignore=".venv*" --ignore="var/*" --ignore="benchmarks/*" --ignore="tests/*"
	@msgfmt --check-format --statistics -o /dev/null locale/en/LC_MESSAGES/django.po
	@msgattrib --untranslated --no-obsolete locale/en/LC_MESSAGES/django.po | sed -n 's/^msgid "\(..*\)"$$/  untranslated: \1/p'
	@msgattrib --only-fuzzy --no-obsolete locale/en/LC_MESSAGES/django.po | sed -n 's/^msgid "\(..*\)"$$/  fuzzy: \1/p'

lock: venv
	$(PY) scripts/lock_requirements.py

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf var/ .pytest_cache .ruff_cache
