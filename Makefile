# The README names two commands: `make run` and `make test`. Both bootstrap first.
.PHONY: run test bootstrap

run: bootstrap
	@scripts/run.sh

test: bootstrap
	@scripts/test.sh

bootstrap:
	@scripts/bootstrap.sh
