"""Who may do what: API tokens, users and groups, permissions, secrets at rest."""
