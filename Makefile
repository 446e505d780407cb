PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run stack test lint format bench clean

# The venv and its packages; pip only runs when a requirements file is newer than the stamp.
$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt constraints.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt constraints.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: export DJANGO_SETTINGS_MODULE = config.settings.dev
run: $(VENV)/.installed
	$(PY) manage.py migrate --noinput
	if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages --ignore=$(VENV); fi
	$(PY) manage.py load_demo
	$(PY) manage.py serve --reload --bind 127.0.0.1:8000

# The production stack on throwaway services: nginx, two app processes, a
# worker (tools/stack.py); Ctrl-C stops it.
stack: $(VENV)/.dev-installed
	$(PY) -m tools.stack

test:
	PYTHON=$(PYTHON) bash tools/test.sh

lint: export DJANGO_SETTINGS_MODULE = config.settings.dev
lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	bash tools/lint-deploy.sh

format: $(VENV)/.dev-installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.dev-installed
	$(PY) -m bench

clean:
	rm -rf $(VENV)
