"""Benchmarks of the migration step on the local stack (``make bench``); not part of the tests."""
