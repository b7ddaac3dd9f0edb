"""Benchmarks. Never imported by the application and never part of the test run."""
