"""One suite of scenarios every connector passes, run against a local double of each platform."""
