"""The control-plane REST API (FastAPI); `create_app()` builds it, `objectsync api` serves it."""
