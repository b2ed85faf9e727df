# Thin wrappers over scripts/ and package.json scripts (the source of truth).
.PHONY: setup test check lint format typecheck build cluster cluster-up cluster-down s3-up s3-down bench proto

setup:
	scripts/setup.sh

test:
	scripts/test.sh

lint: setup
	npm run lint

format: setup
	npm run format

typecheck: setup
	npm run typecheck

build: setup
	npm run build

proto: setup
	npm run gen:proto

cluster:
	scripts/cluster.sh run

cluster-up:
	scripts/cluster.sh up

cluster-down:
	scripts/cluster.sh down

s3-up:
	scripts/s3.sh up

s3-down:
	scripts/s3.sh down

bench:
	scripts/bench
