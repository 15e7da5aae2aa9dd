"""`objectsync api` serves the control-plane REST API; `objectsync token create` issues an API token."""

from __future__ import annotations

import argparse

from cli.runtime import require_servers


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    api = subparsers.add_parser("api", help="serve the REST API (OpenAPI at /docs) with uvicorn")
    api.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    api.add_argument("--port", type=int, default=8000)
    api.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    api.add_argument("--log-level", default="info")
    api.set_defaults(handler=run_api)

    token = subparsers.add_parser("token", help="manage API tokens")
    token_commands = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create = token_commands.add_parser("create", help="issue a token (printed once; only its hash is stored)")
    create.add_argument("--user", required=True, help="the user the token acts as (created if new)")
    create.add_argument("--admin", action="store_true", help="grant the user APPLICATION_ADMIN and GOVERNANCE")
    create.add_argument("--name", help="a label for the token")
    create.set_defaults(handler=run_token_create)


def run_api(args: argparse.Namespace) -> int:
    import uvicorn

    require_servers()
    uvicorn.run("api.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level=args.log_level)
    return 0


def run_token_create(args: argparse.Namespace) -> int:
    from catalog.session import session_scope
    from services.access.tokens import create_token

    with session_scope() as session:
        issued = create_token(session, args.user, admin=args.admin, name=args.name)
    print(issued.secret)
    return 0
