"""Scripts the Makefile and the test suite run; a package so tests can import the supervisor."""
