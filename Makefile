# Passerelle — the one entry point. `make run` starts everything, `make test` proves it.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

# Two Pythons: 3.12 for our code (.venv), 3.10 for Rasa 3.6 (.venv-rasa: it runs on nothing
# newer). Each is found on PATH or from pyenv.
find_python = $(shell for c in python$(1) $$(pyenv root 2>/dev/null)/versions/$(1)*/bin/python$(1) \
	$$HOME/.pyenv/versions/$(1)*/bin/python$(1) /usr/local/bin/python$(1) /usr/bin/python$(1); do \
	"$$c" -c 'import sys; assert sys.version_info[:2] == tuple(map(int, "$(1)".split(".")))' \
	>/dev/null 2>&1 && { echo "$$c"; break; }; done)
PY312 := $(call find_python,3.12)
PY310 := $(call find_python,3.10)

VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
RASA := $(RASA_VENV)/bin/rasa
QUIET_PIP := 2>&1 | grep -v "is ignored: it is neither a file nor a directory" || true

# Configuration: defaults here, overridden by the environment or a .env file (see .env.example).
# Generated secrets (Rasa auth token, dashboard key) live in var/secrets.env, never in git.
-include .env
-include var/secrets.env
export DATABASE_URL ?= sqlite:///$(CURDIR)/var/passerelle.db
export TRACKER_DATABASE_URL ?= sqlite:///$(CURDIR)/var/rasa_tracker.db
export TRACKER_DIALECT ?= $(firstword $(subst :, ,$(subst +, ,$(TRACKER_DATABASE_URL))))
export RASA_URL ?= http://127.0.0.1:5005
export ACTION_SERVER_URL ?= http://127.0.0.1:5055/webhook
export LOCK_STORE_TYPE ?= in_memory
export REDIS_HOST ?= 127.0.0.1
export REDIS_PORT ?= 6379
export REDIS_DB ?= 1
export DEFAULT_LANGUAGE ?= nl
export DASHBOARD_URL ?= http://127.0.0.1:8000
export SANIC_HOST ?= 127.0.0.1
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL ?= 2
export RASA_AUTH_TOKEN ADMIN_SECRET_KEY FUNNEL_SALT TELEGRAM_BOT_TOKEN

.PHONY: help check-python check-python-rasa run test train chat lint eval-nlu eval-langid eval-dialogue bench migrate venvs clean learn \
	screenshots
help:
	@echo "make run          start Rasa, the action server, the dashboard and the Telegram bot"
	@echo "make chat         chat with the bot in this terminal (LANG=fr for a French Telegram user)"
	@echo "make test         everything: lint, Rasa data validation, unit, Rasa stories, e2e, browser"
	@echo "make train        train the Rasa model if config/domain/NLU/stories/classifier changed"
	@echo "make eval-nlu     intent macro-F1 per language on a held-out set (DATA=file.jsonl)"
	@echo "make eval-langid  language-identification accuracy (DATA=file.jsonl)"
	@echo "make eval-dialogue  whole conversations of personas (SET=dev|heldout), per kind"
	@echo "make bench        load test of the whole stack (fake Telegram -> bot -> Rasa -> actions -> DB)"
	@echo "make lint         ruff (lint and format check) and mypy (types)"
	@echo "make screenshots  refresh docs/screenshots/*.png (the browser tests, writing there)"
	@echo "make learn        learn from the review inbox's labelled messages (installs only if no language drops)"

# --- environments -----------------------------------------------------------------------
check-python:
	@test -n "$(PY312)" || { echo "Python 3.12 is needed for our code (.venv)."; \
	echo "Install it (e.g. 'pyenv install 3.12') or put python3.12 on PATH, then retry."; exit 1; }

check-python-rasa:
	@test -n "$(PY310)" || { echo "Python 3.10 is needed for Rasa 3.6 (.venv-rasa): it runs on nothing newer."; \
	echo "Install it (e.g. 'pyenv install 3.10') or put python3.10 on PATH, then retry."; exit 1; }

# A .venv made by an older Python is replaced, not patched.
$(VENV)/.installed: requirements/app.txt requirements/app.lock.txt | check-python
	@$(PY) -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null \
		|| { rm -rf $(VENV) && $(PY312) -m venv $(VENV); }
	@echo "Installing our Python packages into $(VENV)..."
	@$(PY) -m pip install -q --upgrade pip $(QUIET_PIP)
	@$(PY) -m pip install -q -r requirements/app.txt -c requirements/app.lock.txt $(QUIET_PIP)
	@$(PY) -c "import rasa_sdk, telegram, sqlalchemy, fastapi, langdetect" \
		|| { echo "Installing $(VENV) failed: see the pip output above."; exit 1; }
	@touch $@

$(RASA_VENV)/.installed: requirements/rasa.txt requirements/rasa.lock.txt | check-python-rasa
	@test -x $(RASA_VENV)/bin/python || $(PY310) -m venv $(RASA_VENV)
	@echo "Installing Rasa 3.6 into $(RASA_VENV) (about a minute)..."
	@$(RASA_VENV)/bin/python -m pip install -q -r requirements/rasa.txt -c requirements/rasa.lock.txt $(QUIET_PIP)
	@$(RASA_VENV)/bin/python -c "import rasa" \
		|| { echo "Installing $(RASA_VENV) failed: see the pip output above."; exit 1; }
	@touch $@

venvs: $(VENV)/.installed $(RASA_VENV)/.installed

var/secrets.env:
	@mkdir -p var
	@umask 077; { echo "RASA_AUTH_TOKEN=$$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"; \
	  echo "ADMIN_SECRET_KEY=$$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"; \
	  echo "FUNNEL_SALT=$$(head -c 16 /dev/urandom | base64 | tr -d '/+=')"; } > $@
	@echo "Generated local secrets in $@ (not in git)."

# --- model -------------------------------------------------------------------------------
train: venvs
	@$(PY) tools/model.py train

# Labelled messages of the review inbox -> nlu/reviewed_<lang>.yml + a candidate model, installed
# only if no language's macro-F1 drops on the held-out sets (tools/learn.py); last line learn=...
learn: venvs train migrate
	@$(PY) tools/learn.py

migrate: $(VENV)/.installed
	@$(PY) -m leads migrate

# --- the two commands --------------------------------------------------------------------
# One line per stage (installing, training, migrating, starting), then the processes' own
# lines without the libraries' deprecation noise; everything goes to var/log/.
run:
	@mkdir -p var/log
	@if [ -t 1 ]; then printf 'installing  ... (the first time: about two minutes)\r'; fi
	@$(MAKE) -s --no-print-directory venvs var/secrets.env > var/log/install.log 2>&1 \
		&& echo "installing  .venv and .venv-rasa are ready (log: var/log/install.log)          " \
		|| { echo "installing  failed; the end of var/log/install.log:"; tail -n 20 var/log/install.log; exit 1; }
	@$(PY) tools/run.py

# `make chat LANG=fr` plays a Telegram user whose app is in French (only when given on the
# command line: the LANG of your shell's locale is not a language choice).
CHAT_LANG := $(if $(filter command line,$(origin LANG)),$(LANG))
chat: venvs var/secrets.env
	@LANG=C.UTF-8 LC_ALL=C.UTF-8 $(PY) -m bot.terminal_chat $(if $(CHAT_LANG),--lang $(CHAT_LANG)) \
		$(if $(CAMPAIGN),--campaign $(CAMPAIGN))

test: lint venvs train
	@$(PY) -m pytest

# The browser tests write their screenshots to a temporary folder (make test leaves the
# working tree clean); this runs them once more to refresh the documentation's pictures.
screenshots: venvs train
	@PASSERELLE_SCREENSHOTS_DIR=$(CURDIR)/docs/screenshots $(PY) -m pytest tests/admin/test_browser.py -q
	@git status --short docs/screenshots

# Lint, formatting and types (mypy: the packages and settings of pyproject.toml's [tool.mypy]).
lint: $(VENV)/.installed
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m mypy

eval-nlu: venvs train
	@$(RASA_VENV)/bin/python tools/eval_nlu.py "$$($(PY) tools/model.py path)" $(or $(DATA),$(wildcard tests/data/nlu_heldout*.jsonl))

# Personas of tests/personas/$(SET) played through Rasa's REST channel on a fresh stack; last line
# conversations_correct=N/M turns=T fallbacks=F. SET=heldout is evaluated once, never tuned on.
eval-dialogue: venvs train
	@$(PY) -m tools.dialogue_eval --set $(or $(SET),dev) $(if $(LANGS),--languages $(LANGS)) \
		$(if $(ONLY),--only $(ONLY))

eval-langid: $(VENV)/.installed
	@$(PY) tools/eval_langid.py $(or $(DATA),tests/data/langid_heldout.jsonl)

# Ramps the offered load (BENCH_STEPS=10,20,40,60,70,80 msgs/s) on the production shape (two Rasa
# instances, PostgreSQL, Redis lock store; BENCH_TOPOLOGY=single for make run's); last line
# msgs_per_s=... p95_ms=... errors=... leads_lost=... (tools/bench/__main__.py lists the knobs).
bench: venvs train
	@$(PY) -m tools.bench

clean:
	rm -rf models/*.tar.gz .rasa results
