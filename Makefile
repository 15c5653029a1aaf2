# The commands of spec/interfaces.md. Every target sets up what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := run
PY := .venv/bin/python

.PHONY: run test train check eval bench lint envs translations

envs:
	@scripts/ensure_envs.sh

train: envs
	@$(PY) -m bot train

run: train
	@$(PY) -m bot run

test: train
	@$(PY) -m pytest

check: envs
	@$(PY) -m bot check

eval: train
	@$(PY) -m bot eval

bench: train
	@$(PY) -m bot.bench $(BENCH_ARGS)

lint: envs
	@.venv/bin/ruff check .

# Response texts into locales/messages.pot, every locales/<lang>/LC_MESSAGES/messages.po
# updated from it, and compiled to .mo (the bot also compiles missing or stale .mo itself).
# A new language: .venv/bin/pybabel init -i locales/messages.pot -d locales -l <code>
translations: envs
	@PYTHONPATH=. .venv/bin/pybabel -q extract -F babel.cfg -o locales/messages.pot --no-wrap \
		--project=clientassistent --copyright-holder=Clientassistent .
	@.venv/bin/pybabel -q update -i locales/messages.pot -d locales --no-wrap
	@.venv/bin/pybabel compile -d locales --statistics

# Content administration (docs/beheer.md): python -m bot admin <command>.
# MODEL=<name or start of it> for admin-publish and admin-rollback; DAGEN=<n> for admin-review.
.PHONY: admin-check admin-train admin-publish admin-models admin-rollback admin-review

admin-check: envs
	@$(PY) -m bot admin check

admin-train: envs
	@$(PY) -m bot admin train

admin-publish: envs
	@$(PY) -m bot admin publish $(MODEL)

admin-models: envs
	@$(PY) -m bot admin models

admin-rollback: envs
	@$(PY) -m bot admin rollback $(MODEL)

admin-review: envs
	@$(PY) -m bot admin review --dagen $(or $(DAGEN),30)

# The admin web pages (docs/dashboard.md): dashboard, review queue, handovers, on
# http://127.0.0.1:8090/. An account first: .venv/bin/python -m bot admin-user add <naam>
.PHONY: admin-web
admin-web: envs
	@$(PY) -m bot admin-web
