"""Benchmarks (not tests): `make bench` prints a table per hot path and writes
bench/results/<name>.json. Figures go in the closing notes of issues."""
