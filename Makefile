# The commands of spec/interfaces.md. Every target sets up what is missing first.
SHELL := /bin/bash
.DEFAULT_GOAL := run
PY := .venv/bin/python

.PHONY: run test train check eval bench lint envs

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
