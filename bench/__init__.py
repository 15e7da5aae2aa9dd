"""Benchmark helpers: generators of large sources and the scripts that time a sync against them."""
