"""`objectsync settings PATH`: isActive, activateNewChildren and data owners of any object, as PUT
/data/settings changes them; a status change propagates to the subtree as a job (bulkId)."""

from __future__ import annotations

import argparse
import json

from catalog.session import session_scope
from cli.errors import UsageError, job_exit_code
from cli.output import display_path
from cli.progress import report_job, wait_for_job
from domain.paths import parse_path
from domain.status import DISABLED, ENABLED, INHERIT
from services.connections.object_settings import OwnerRef, SettingsChange, read_settings, update_settings

STATUS_SETTINGS = (ENABLED, DISABLED, INHERIT)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "settings", help="change an object's status setting, activation of new children and data owners",
        description="PATH is 'connection/database/schema/table' (a prefix of it), each segment percent-encoded. "
                    "Settings not given stay as they are; without any, the current ones are printed.")
    parser.add_argument("path", metavar="PATH")
    parser.add_argument("--active", choices=STATUS_SETTINGS, help="isActive: the object's own status setting")
    parser.add_argument("--activate-new-children", choices=STATUS_SETTINGS,
                        help="whether objects found below it later start enabled")
    owners = parser.add_mutually_exclusive_group()
    owners.add_argument("--owner", action="append", metavar="user:NAME|group:NAME",
                        help="a data owner (repeatable); the given ones replace the object's direct owners")
    owners.add_argument("--no-owners", action="store_true", help="remove every direct data owner")
    parser.add_argument("--wait", action="store_true", help="wait for the propagation job and show its outcome")
    parser.add_argument("--json", action="store_true", help="the outcome as one JSON object")
    parser.set_defaults(handler=change_settings)


def parse_owner(text: str) -> OwnerRef:
    kind, sep, name = text.partition(":")
    if not sep or kind not in ("user", "group") or not name:
        raise UsageError(f"--owner expects user:NAME or group:NAME, got {text!r}")
    return OwnerRef("user" if kind == "user" else "group", name)


def change_settings(args: argparse.Namespace) -> int:
    path = parse_path(args.path)
    owners = [] if args.no_owners else [parse_owner(o) for o in args.owner] if args.owner else None
    change = SettingsChange(is_active=args.active, activate_new_children=args.activate_new_children,
                            data_owners=owners)
    with session_scope() as session:
        job = update_settings(session, path, change, requested_by="cli")
        bulk_id = job.bulk_id if job is not None else None
        settings = read_settings(session, path)
    record = {
        "objectPath": list(path), "bulkId": str(bulk_id) if bulk_id else None,
        "settings": {"isActive": settings.is_active, "activateNewChildren": settings.activate_new_children,
                     "dataOwners": [{"type": o.type, "name": o.name} for o in settings.data_owners]},
    }
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        owned_by = ", ".join(f"{o.type}:{o.name}" for o in settings.data_owners) or "none"
        print(f"{display_path(path)}: isActive {settings.is_active}, activateNewChildren "
              f"{settings.activate_new_children}, data owners {owned_by}")
        if bulk_id is not None:
            print(f"status propagation requested: bulkId {bulk_id}")
    if not args.wait or bulk_id is None:
        return 0
    report = wait_for_job(bulk_id, show_progress=not args.json)
    return job_exit_code(report["status"]) if args.json else report_job(report)
