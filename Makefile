# The README names two commands: `make run` and `make test`. Both bootstrap first.
.PHONY: run test bootstrap

run: bootstrap
	@scripts/run.sh

# The test suite drives the contractors' one-time-link page in a real headless Chromium.
test:
	@WITH_BROWSER=1 scripts/bootstrap.sh
	@scripts/test.sh

bootstrap:
	@scripts/bootstrap.sh
