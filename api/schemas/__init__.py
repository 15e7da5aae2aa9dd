"""Request and response bodies, camelCase on the wire as in the reference product."""
