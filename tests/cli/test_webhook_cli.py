"""`objectsync webhook …` run as a real process against the catalog."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalog.session import session_scope
from models import WebhookSubscription
from services.delivery.webhook_delivery import deliver_endpoint
from services.delivery.webhook_fanout import relay_to_webhooks
from tests.support.events import Receiver, build_hierarchy, column_events, write_outbox

pytestmark = pytest.mark.usefixtures("events_catalog")
ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli.main", "webhook", *args], check=False, cwd=ROOT,
                          capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=60)


def test_add_list_replay_history_remove(receiver: Receiver) -> None:
    build_hierarchy()
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    added = cli("add", receiver.url, "--type", "column.added", "--path", "pg/app", "--secret-env", "HOOK_SECRET",
                "--json", env={"HOOK_SECRET": secret})
    assert added.returncode == 0, added.stderr
    created = json.loads(added.stdout)
    assert created["secret"] == secret and created["eventTypes"] == ["column.added"]
    receiver.secret = secret
    sid = created["id"]

    listed = [json.loads(line) for line in cli("list", "--json").stdout.splitlines()]
    assert [(w["id"], w["pathPrefix"], w["enabled"]) for w in listed] == [(sid, "pg/app", True)]
    assert "secret" not in listed[0]

    outbox_ids = write_outbox("pg", column_events(("pg", "app", "Sales", "Orders"), 2))
    with session_scope() as session:
        relay_to_webhooks(session)
    deliver_endpoint(sid)
    replayed = cli("replay", str(sid), "--from", str(outbox_ids[1]))
    assert replayed.returncode == 0 and "1 deliveries queued" in replayed.stdout

    def replay_delivered() -> bool:  # a running worker may have been nudged and hold the endpoint
        deliver_endpoint(sid)
        return len(receiver.delivered_sequences()) == 3

    receiver.wait_for(replay_delivered)
    assert receiver.delivered_sequences() == [*outbox_ids, outbox_ids[1]]
    assert all(r.verified for r in receiver.received)

    history = [json.loads(line) for line in cli("history", str(sid), "--json").stdout.splitlines()]
    assert [(h["sequence"], h["status"], h["attempts"]) for h in history] == [
        (outbox_ids[0], "delivered", 1), (outbox_ids[1], "delivered", 1)]
    replayed_delivery = history[1]["id"]
    attempts = [json.loads(line) for line in cli("attempts", str(sid), str(replayed_delivery), "--json")
                .stdout.splitlines()]
    assert [(a["attempt"], a["succeeded"], a["statusCode"]) for a in attempts] == [(1, True, 200), (1, True, 200)]
    other = cli("attempts", str(sid), str(replayed_delivery + 1000))
    assert other.returncode == 3 and f"has no delivery {replayed_delivery + 1000}" in other.stderr

    rotated = cli("rotate-secret", str(sid), "--grace", "120", "--json")
    assert rotated.returncode == 0, rotated.stderr
    rotation = json.loads(rotated.stdout)
    assert rotation["secret"].startswith("whsec_") and rotation["secret"] != secret
    assert rotation["previousSecretValidUntil"] is not None
    [listed_after] = [json.loads(line) for line in cli("list", "--json").stdout.splitlines()]
    assert listed_after["previousSecretValidUntil"] == rotation["previousSecretValidUntil"]
    assert rotation["secret"] not in cli("list", "--json").stdout
    negative = cli("rotate-secret", str(sid), "--grace", "-5")
    assert negative.returncode != 0 and "--grace cannot be negative" in negative.stderr

    assert cli("remove", str(sid)).returncode == 0
    assert cli("list", "--json").stdout == ""


def test_errors_are_one_clear_line() -> None:
    missing = cli("remove", "4242")
    assert missing.returncode == 3 and "no webhook subscription with id 4242" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_type = cli("add", "http://127.0.0.1:9/h", "--type", "column.moved")
    assert bad_type.returncode == 2 and "unknown event type 'column.moved'" in bad_type.stderr
    no_secret = cli("add", "http://127.0.0.1:9/h", "--secret-env", "NOT_SET_ANYWHERE")
    assert no_secret.returncode == 2 and "NOT_SET_ANYWHERE is not set" in no_secret.stderr
    unknown_event = cli("replay", "1", "--from", "nope")
    assert unknown_event.returncode == 3 and "no webhook subscription with id 1" in unknown_event.stderr


def test_enable_switches_an_automatically_disabled_endpoint_back_on(receiver: Receiver) -> None:
    added = json.loads(cli("add", receiver.url, "--json").stdout)
    sid = added["id"]
    with session_scope() as session:  # as the delivery does after too many consecutive failures
        subscription = session.get(WebhookSubscription, sid)
        subscription.enabled, subscription.consecutive_failures = False, 50
        subscription.disabled_reason = "50 consecutive failed attempts"
    [listed] = [json.loads(line) for line in cli("list", "--json").stdout.splitlines()]
    assert (listed["enabled"], listed["disabledReason"]) == (False, "50 consecutive failed attempts")

    enabled = cli("enable", str(sid))
    assert enabled.returncode == 0, enabled.stderr
    assert f"webhook {sid} → {receiver.url} enabled" in enabled.stdout
    [listed] = [json.loads(line) for line in cli("list", "--json").stdout.splitlines()]
    assert (listed["enabled"], listed["consecutiveFailures"], listed["disabledReason"]) == (True, 0, None)

    assert cli("disable", str(sid)).returncode == 0
    [listed] = [json.loads(line) for line in cli("list", "--json").stdout.splitlines()]
    assert (listed["enabled"], listed["disabledReason"]) == (False, None)
