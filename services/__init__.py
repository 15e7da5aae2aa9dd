"""Use cases on top of the catalog and the connectors; adapters (tasks, API, CLI, console) call these."""
