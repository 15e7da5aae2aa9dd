"""`objectsync webhook add|list|enable|disable|remove|rotate-secret|replay|history|attempts`: manage webhook
subscriptions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from typing import Any

from catalog.session import session_factory, session_scope
from cli.errors import UsageError
from domain.paths import format_path
from models import WebhookSubscription
from services.delivery import webhook_subscriptions as service
from services.delivery.envelope import event_type_name
from services.delivery.subscription_filters import EVENT_TYPES
from services.enqueue import DELIVER_WEBHOOKS, send_now


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("webhook", help="manage webhook subscriptions to change events")
    commands = parser.add_subparsers(dest="webhook_command", metavar="ACTION", required=True)

    add = commands.add_parser("add", help="subscribe an endpoint; prints its signing secret once")
    add.add_argument("url", help="http(s) endpoint (private and loopback addresses need the allow setting)")
    add.add_argument("--type", action="append", dest="types", default=[], metavar="TYPE",
                     help="only this event type or family such as column.* (repeatable); "
                          f"known: {', '.join(EVENT_TYPES)}")
    add.add_argument("--path", metavar="PREFIX", help="only events at or below this object path, e.g. pg/app/Sales")
    add.add_argument("--secret-env", metavar="VAR", help="take the whsec_ signing secret from this variable")
    add.add_argument("--disabled", action="store_true", help="create it switched off")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=add_webhook)

    listing = commands.add_parser("list", help="list subscriptions")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler=list_webhooks)

    enable = commands.add_parser("enable", help="switch a subscription on again, e.g. after it was disabled for "
                                                "failing; its failure count starts over")
    enable.add_argument("id", type=int)
    enable.set_defaults(handler=enable_webhook)

    disable = commands.add_parser("disable", help="switch a subscription off; its events wait until it is enabled")
    disable.add_argument("id", type=int)
    disable.set_defaults(handler=disable_webhook)

    remove = commands.add_parser("remove", help="delete a subscription and its delivery history")
    remove.add_argument("id", type=int)
    remove.set_defaults(handler=remove_webhook)

    rotate = commands.add_parser("rotate-secret", help="a new signing secret, printed once; the old one keeps "
                                                       "signing for a grace period")
    rotate.add_argument("id", type=int)
    rotate.add_argument("--secret-env", metavar="VAR", help="take the new whsec_ secret from this variable")
    rotate.add_argument("--grace", type=int, metavar="SECONDS",
                        help="keep signing with the old secret this long (default: the setting; 0: stop at once)")
    rotate.add_argument("--json", action="store_true")
    rotate.set_defaults(handler=rotate_webhook_secret)

    replay = commands.add_parser("replay", help="send matching events again from an event on, oldest first")
    replay.add_argument("id", type=int)
    replay.add_argument("--from", dest="from_event", required=True, metavar="EVENT",
                        help="an outbox id (CloudEvent 'sequence') or a stable event id (CloudEvent 'id')")
    replay.set_defaults(handler=replay_webhook)

    history = commands.add_parser("history", help="deliveries of a subscription, oldest first")
    history.add_argument("id", type=int)
    history.add_argument("--status", choices=service.DELIVERY_STATUSES)
    history.add_argument("--limit", type=int, default=100)
    history.add_argument("--json", action="store_true", help="one JSON object per line")
    history.set_defaults(handler=show_history)

    attempts = commands.add_parser("attempts", help="every attempt at one delivery (id from history), oldest first")
    attempts.add_argument("id", type=int, help="subscription id")
    attempts.add_argument("delivery", type=int, help="delivery id")
    attempts.add_argument("--json", action="store_true", help="one JSON object per line")
    attempts.set_defaults(handler=show_attempts)


def subscription_dict(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": subscription.id, "url": subscription.url, "eventTypes": list(subscription.event_types),
        "pathPrefix": format_path(subscription.path_prefix) if subscription.path_prefix else None,
        "enabled": subscription.enabled, "consecutiveFailures": subscription.consecutive_failures,
        "disabledReason": subscription.disabled_reason,
        "previousSecretValidUntil": _isoformat(service.previous_secret_valid_until(subscription)),
    }


def _isoformat(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _secret_from_env(variable: str | None) -> str | None:
    if not variable:
        return None
    secret = os.environ.get(variable)
    if not secret:
        raise UsageError(f"environment variable {variable} is not set or empty")
    return secret


def add_webhook(args: argparse.Namespace) -> int:
    secret = _secret_from_env(args.secret_env)
    with session_scope() as session:
        created = service.create_subscription(session, url=args.url, secret=secret, event_types=args.types,
                                              path_prefix=args.path, enabled=not args.disabled)
        view = subscription_dict(created.subscription)
    if args.json:
        print(json.dumps({**view, "secret": created.secret}))
    else:
        print(f"webhook {view['id']} → {view['url']}")
        print(f"signing secret (shown once): {created.secret}")
    return 0


def list_webhooks(args: argparse.Namespace) -> int:
    with session_factory()() as session:
        views = [subscription_dict(s) for s in service.list_subscriptions(session)]
    for view in views:
        if args.json:
            print(json.dumps(view))
        else:
            state = "enabled" if view["enabled"] else f"disabled ({view['disabledReason'] or 'by hand'})"
            filters = ", ".join(view["eventTypes"]) or "all events"
            print(f"{view['id']}\t{view['url']}\t{filters}\t{view['pathPrefix'] or '*'}\t{state}")
    return 0


def rotate_webhook_secret(args: argparse.Namespace) -> int:
    secret = _secret_from_env(args.secret_env)
    if args.grace is not None and args.grace < 0:
        raise UsageError("--grace cannot be negative")
    with session_scope() as session:
        rotated = service.rotate_secret(session, args.id, secret=secret, grace_seconds=args.grace)
    until = _isoformat(rotated.previous_valid_until)
    if args.json:
        print(json.dumps({"id": args.id, "secret": rotated.secret, "previousSecretValidUntil": until}))
    else:
        print(f"new signing secret for webhook {args.id} (shown once): {rotated.secret}")
        print(f"the previous secret also signs until {until}" if until else "the previous secret no longer signs")
    return 0


def enable_webhook(args: argparse.Namespace) -> int:
    with session_scope() as session:
        subscription = service.update_subscription(session, args.id, enabled=True)
        url = subscription.url
    print(f"webhook {args.id} → {url} enabled")
    _kick_delivery()
    return 0


def disable_webhook(args: argparse.Namespace) -> int:
    with session_scope() as session:
        service.update_subscription(session, args.id, enabled=False)
    print(f"webhook {args.id} disabled")
    return 0


def remove_webhook(args: argparse.Namespace) -> int:
    with session_scope() as session:
        service.delete_subscription(session, args.id)
    print(f"webhook {args.id} removed")
    return 0


def replay_webhook(args: argparse.Namespace) -> int:
    with session_scope() as session:
        queued = service.replay(session, args.id, args.from_event)
    print(f"{queued} deliveries queued for webhook {args.id}")
    _kick_delivery()
    return 0


def show_history(args: argparse.Namespace) -> int:
    with session_factory()() as session:
        rows = service.delivery_history(session, args.id, status=args.status, limit=args.limit)
        for delivery, event in rows:
            record = {
                "id": delivery.id, "sequence": event.id, "eventId": str(event.event_id),
                "type": event_type_name(event.type),
                "status": delivery.status, "attempts": delivery.attempts,
                "lastStatusCode": delivery.last_status_code, "lastError": delivery.last_error,
                "deliveredAt": delivery.delivered_at.isoformat() if delivery.delivered_at else None,
            }
            if args.json:
                print(json.dumps(record))
            else:
                print(f"{record['id']}\t{record['sequence']}\t{record['type']}\t{record['status']}\tattempts={record['attempts']}"
                      f"\t{record['lastStatusCode'] or ''}\t{record['lastError'] or ''}")
    return 0


def show_attempts(args: argparse.Namespace) -> int:
    with session_factory()() as session:
        for attempt in service.delivery_attempts(session, args.id, args.delivery):
            record = {
                "attempt": attempt.attempt, "succeeded": attempt.succeeded, "statusCode": attempt.status_code,
                "error": attempt.error, "durationMs": attempt.duration_ms,
                "attemptedAt": attempt.attempted_at.isoformat(),
            }
            if args.json:
                print(json.dumps(record))
            else:
                outcome = "ok" if attempt.succeeded else "failed"
                print(f"{record['attemptedAt']}\t#{attempt.attempt}\t{outcome}\t{attempt.status_code or ''}"
                      f"\t{attempt.duration_ms} ms\t{attempt.error or ''}")
    return 0


def _kick_delivery() -> None:
    """Deliver now rather than at the next beat sweep (which delivers anyway if this fails)."""
    try:
        send_now(DELIVER_WEBHOOKS)
    except Exception as exc:  # noqa: BLE001 - the beat sweep delivers anyway
        print(f"note: deliveries start at the next sweep ({type(exc).__name__})", file=sys.stderr)
