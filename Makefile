# swift-migrate: the migrations guide's make targets, run with our golang-migrate-compatible CLI.
#   export POSTGRES_DSN="postgres://user:password@localhost:5432/dbname?sslmode=disable"
#   make migrate-up
# `make help` lists the targets.

MIGRATIONS ?= examples/trading/migrations
MODELS ?= examples/trading/Models
MIGRATE_BIN := .build/release/migrate
MIGRATE ?= $(MIGRATE_BIN)

# Recipes read the DSN from the environment ("$$POSTGRES_DSN"), so make never echoes the password.
export POSTGRES_DSN

# Build the binary only when MIGRATE is the one this package builds (MIGRATE=migrate uses an installed one).
MIGRATE_DEPS := $(filter $(MIGRATE_BIN),$(firstword $(MIGRATE)))
# Rebuild when the sources change, so a migrate-* target never runs a stale binary.
SWIFT_SOURCES := Package.swift $(shell find Sources -type f \( -name '*.swift' -o -name '*.h' -o -name '*.modulemap' \) 2>/dev/null)

RUN := $(MIGRATE) -path $(MIGRATIONS) -database "$$POSTGRES_DSN"

.DEFAULT_GOAL := help
.PHONY: help build test migrate-up migrate-down migrate-status migrate-version migrate-create \
	migrate-force migrate-goto migrate-plan migrate-verify migrate-lint migrate-validate migrate-renumber \
	model-gen model-check

# Fail early, with the fix, when a required variable is missing (checked only for the goals that need it).
DSN_GOALS := migrate-up migrate-down migrate-status migrate-version migrate-force migrate-goto migrate-plan \
	migrate-verify migrate-validate migrate-renumber model-gen model-check
ifneq ($(filter $(DSN_GOALS),$(MAKECMDGOALS)),)
ifeq ($(strip $(POSTGRES_DSN)),)
$(error POSTGRES_DSN is not set. Export it first, e.g. export POSTGRES_DSN="postgres://user:password@localhost:5432/dbname?sslmode=disable")
endif
endif
ifneq ($(filter migrate-create,$(MAKECMDGOALS)),)
ifeq ($(strip $(NAME)),)
$(error NAME is required, e.g. make migrate-create NAME=add_user_preferences)
endif
endif
ifneq ($(filter migrate-force migrate-goto,$(MAKECMDGOALS)),)
ifeq ($(strip $(VERSION)),)
$(error VERSION is required, e.g. make $(firstword $(filter migrate-force migrate-goto,$(MAKECMDGOALS))) VERSION=2)
endif
endif

help: ## List the targets
	@echo "Usage: make TARGET [NAME=...] [VERSION=...]   (MIGRATIONS=$(MIGRATIONS) MODELS=$(MODELS))"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(firstword $(MAKEFILE_LIST)) \
		| awk 'BEGIN {FS = ":.*## "}; {printf "  %-16s %s\n", $$1, $$2}'

build: ## Build the migrate command (release)
	swift build -c release --product migrate

$(MIGRATE_BIN): $(SWIFT_SOURCES)
	swift build -c release --product migrate

test: ## Run the test suite (scripts/test.sh)
	bash scripts/test.sh

migrate-up: $(MIGRATE_DEPS) ## Apply all pending migrations
	$(RUN) up

migrate-down: $(MIGRATE_DEPS) ## Roll back the last migration
	$(RUN) down 1

migrate-status: $(MIGRATE_DEPS) ## Show the current version and the migration history
	$(RUN) status

migrate-version: $(MIGRATE_DEPS) ## Print the current migration version
	$(RUN) version

migrate-create: $(MIGRATE_DEPS) ## Create a new up/down pair: NAME=add_user_preferences
	$(MIGRATE) create -ext sql -dir $(MIGRATIONS) -seq -digits 3 $(NAME)

migrate-force: $(MIGRATE_DEPS) ## Set the version without running migrations, clearing dirty: VERSION=2
	$(RUN) force $(VERSION)

migrate-goto: $(MIGRATE_DEPS) ## Migrate up or down to a version: VERSION=3
	$(RUN) goto $(VERSION)

migrate-plan: $(MIGRATE_DEPS) ## Show what migrate-up would run, changing nothing
	$(RUN) plan

migrate-verify: $(MIGRATE_DEPS) ## Prove every down file: up/down/up on a scratch database on the server
	$(RUN) verify

migrate-lint: $(MIGRATE_DEPS) ## Check the migrations for locking and safety problems (docs/lint.md)
	$(MIGRATE) -path $(MIGRATIONS) lint

migrate-validate: $(MIGRATE_DEPS) ## Duplicates, missing downs, edited applied files, out-of-order files
	$(RUN) validate

migrate-renumber: $(MIGRATE_DEPS) ## After a merge: move conflicting unapplied migrations to free versions
	$(RUN) renumber

model-gen: $(MIGRATE_DEPS) ## Regenerate the Swift models from the database into MODELS
	$(MIGRATE) models -database "$$POSTGRES_DSN" -dir $(MODELS) -table "*"

model-check: $(MIGRATE_DEPS) ## Fail when the models in MODELS differ from the database (CI)
	$(MIGRATE) models -database "$$POSTGRES_DSN" -dir $(MODELS) -check
