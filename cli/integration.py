"""`objectsync integration list|show ID|script PHASE`: platform integrations, as GET /integrations and the
scripts endpoints show them. `script` reads the integration request (JSON or YAML) from a file or stdin."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import yaml  # type: ignore[import-untyped]

from catalog.session import session_factory
from connectors.setup_scripts import PHASES
from services.connections import integrations
from services.connections.integration_requests import integration_request
from services.connections.integrations import IntegrationDetails
from services.connections.validation import validation_object


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser("integration", help="platform integrations: list, show, setup scripts")
    commands = group.add_subparsers(dest="integration_command", metavar="COMMAND", required=True)
    listing = commands.add_parser("list", help="every integration: id, type, host, status")
    listing.add_argument("--json", action="store_true", help="one JSON object per line (the API's view)")
    listing.set_defaults(handler=list_integrations)
    show = commands.add_parser("show", help="one integration: configuration (secrets redacted), validation")
    show.add_argument("integration_id", type=int, metavar="ID")
    show.add_argument("--json", action="store_true", help="the API's view as one JSON object")
    show.set_defaults(handler=show_integration)
    script = commands.add_parser("script", help="print a setup script for an integration request")
    script.add_argument("phase", choices=PHASES)
    script.add_argument("request", nargs="?", default="-",
                        help="a file holding the request {type, autoBootstrap, config} in JSON or YAML (- : stdin)")
    script.add_argument("--id", type=int, dest="integration_id",
                        help="the stored integration (edit, cleanup and post-cleanup of an existing one)")
    script.set_defaults(handler=print_script)


def view(details: IntegrationDetails) -> dict[str, Any]:
    return {"id": details.id, "status": details.status, "validationResults": validation_object(
        details.validation_results), "type": details.type_name, "autoBootstrap": details.auto_bootstrap,
        "config": details.config, "connectionId": details.connection_id}


def list_integrations(args: argparse.Namespace) -> int:
    with session_factory()() as session:
        page = integrations.list_integrations(session, limit=10_000)
    for item in page.items:
        if args.json:
            print(json.dumps(view(item), ensure_ascii=False))
        else:
            print("\t".join((str(item.id), item.type_name, str(item.config.get("host", "-")), item.status)))
    if not page.items and not args.json:
        print("no integrations")
    return 0


def show_integration(args: argparse.Namespace) -> int:
    with session_factory()() as session:
        details = integrations.show_integration(session, args.integration_id)
    if args.json:
        print(json.dumps(view(details), ensure_ascii=False))
        return 0
    print(f"integration {details.id} ({details.type_name}): {details.status}")
    for name, value in sorted(details.config.items()):
        print(f"  {name}: {json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}")
    for test in details.validation_results:
        message = " ".join(str(test.get("message") or "").split())
        print(f"  {test.get('status', '?'):<8} {test.get('name')}{': ' + message if message else ''}")
    return 0


def print_script(args: argparse.Namespace) -> int:
    text = sys.stdin.read() if args.request == "-" else open(args.request, encoding="utf-8").read()
    body = yaml.safe_load(text) or {}
    request = integration_request(str(body.get("type") or ""), bool(body.get("autoBootstrap")),
                                  body.get("config") or {}, body.get("unityCatalog"))
    if args.integration_id is not None:
        with session_factory()() as session:
            print(integrations.integration_script(session, args.integration_id, args.phase,
                                                  request if args.phase == "edit" else None), end="")
        return 0
    print(integrations.setup_script(args.phase, request), end="")
    return 0
