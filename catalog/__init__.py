"""The catalog: the one session factory, advisory locks, migrations runner and every SQL statement (store modules)."""
