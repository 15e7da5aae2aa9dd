"""The pieces the API routes are built from: authentication, dependencies, error mapping and presenters."""
