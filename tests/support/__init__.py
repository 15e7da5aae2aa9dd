"""Support shared by the tests and the benchmark: source generators and platform doubles."""
