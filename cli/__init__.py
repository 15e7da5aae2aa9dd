"""The `objectsync` command line: one module per command group, each exposing `add_parser(subparsers)`."""
