"""Audit events read as people speak: labels, typed values, the headline of a change, actors from their string."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.read.actors import ActorDirectory, actor_strings, named_from_string
from portal.read.audit_changes import (
    ActorRef,
    Amount,
    Rate,
    changed_fields,
    entity_name,
    event_currency,
    field_changes,
    field_label,
    headline,
    subject,
)


@pytest.mark.parametrize(
    ("name", "label"),
    [("available_minor", "Available"), ("held_after_minor", "Held after"), ("commission_rate_bps", "Commission rate"),
     ("agent_id", "Agent ID"), ("is_active", "Active"), ("issued_at", "Issued"), ("due_date", "Due date"),
     ("available_delta_minor", "Available change"), ("instrument_last4", "Card or account (last 4)")],
)  # fmt: skip
def test_a_field_is_named_in_words(name, label):
    assert field_label(name) == label


def test_each_stored_value_becomes_what_it_stands_for():
    before = {
        "available_minor": 0,
        "commission_rate_bps": 1000,
        "issued_at": None,
        "due_date": "2026-11-02",
        "is_active": True,
        "status": "partially_paid",
        "decided_by": "user:2",
        "email": "a***@d***.example",
    }
    after = {"available_minor": 25000, "issued_at": "2026-10-04T13:03:35.706139+00:00"}
    changes = {change.name: change for change in field_changes(before, after, "EUR")}
    assert changes["available_minor"].before == Amount(0, "EUR")
    assert changes["available_minor"].after == Amount(25000, "EUR")
    assert changes["commission_rate_bps"].before == Rate(1000)
    assert changes["issued_at"].after == datetime(2026, 10, 4, 13, 3, 35, 706139, tzinfo=UTC)
    assert changes["due_date"].before == date(2026, 11, 2)
    assert changes["is_active"].before is True
    assert changes["status"].before == "partially paid"
    assert changes["decided_by"].before == ActorRef("user:2")
    assert changes["email"].before == "a***@d***.example", "a masked value stays as it was stored"
    assert changes["commission_rate_bps"].after is None, "a side without the field has no value, not 0"


def test_amounts_are_in_the_events_own_currency_before_the_agents():
    assert event_currency({"amount_minor": 1}, {"currency": "GBP"}, "EUR") == "GBP"
    assert event_currency({"available_minor": 0}, {"available_minor": 5}, "EUR") == "EUR"
    assert event_currency(None, {"available_minor": 5}, None) is None


def test_an_update_is_summed_up_by_its_status_or_its_only_field():
    status = field_changes({"status": "draft", "issued_at": None}, {"status": "issued", "issued_at": "2026"}, None)
    assert headline("update", status).name == "status"
    balance = field_changes({"available_minor": 0, "version": 1}, {"available_minor": 5, "version": 2}, "EUR")
    assert headline("update", balance).name == "available_minor", "the version moves with every update"
    both = field_changes({"available_minor": 0, "held_minor": 5}, {"available_minor": 5, "held_minor": 0}, "EUR")
    assert headline("update", both) is None
    assert changed_fields("update", both) == "available, held"
    created = field_changes(None, {"id": 3, "amount_minor": 100, "currency": "EUR"}, "EUR")
    assert headline("insert", created).after == Amount(100, "EUR")


def test_a_long_update_names_three_fields_and_counts_the_rest():
    changes = field_changes({key: 1 for key in "abcde"}, {key: 2 for key in "abcde"}, None)
    assert changed_fields("update", changes) == "a, b, c and 2 more"


def test_subjects_read_as_people_name_them():
    assert entity_name("PortalAppearance") == "Portal appearance"
    assert entity_name("WalletTransaction") == "Ledger entry"
    assert subject("Payout", "3") == "Payout #3"
    assert subject("Setting", "smtp_password") == "Setting ‘smtp_password’"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("system:seed", "System (seed)"), ("system:cli", "System (CLI)"), ("system", "System"),
     ("system:nightly-sweep", "System (nightly sweep)"), ("deploy:ab12cd3", "Deployment ab12cd3 (flags as code)"),
     ("token:7 (agent:12)", "API token #7 (agent)"), ("token:7 (staff:finance)", "API token #7 (finance)"),
     ("user:9", "User #9"), ("someone", "someone")],
)  # fmt: skip
def test_an_actor_without_a_row_is_named_from_its_string(raw, shown):
    assert str(named_from_string(raw)) == shown


def test_actors_are_found_in_every_field_that_holds_one():
    class Row:
        actor = "user:1"
        decided_by = "user:2"
        mentioned_actors = {"token:3 (staff:admin)"}

    assert actor_strings([Row()]) == {"user:1", "user:2", "token:3 (staff:admin)"}


class FakeSession:
    """Answers each statement with ``rows``, counting the statements."""

    def __init__(self, rows: list[tuple]) -> None:
        self.rows, self.statements = rows, 0

    def execute(self, statement):
        self.statements += 1
        return self.rows


def test_actors_are_read_in_one_query_whoever_they_are():
    session = FakeSession([("user", 1, "Ada Admin", "admin"), ("token", 7, "CRM sync", "agent")])
    raws = ["user:1", "token:7 (agent:12)", "system:seed", "user:404"]
    names = ActorDirectory(session).names(raws)  # type: ignore[arg-type]
    assert session.statements == 1
    assert [str(names.of(raw)) for raw in raws] == [
        "Ada Admin (admin)", "API token ‘CRM sync’ (agent)", "System (seed)", "User #404"]  # fmt: skip
    nobody = FakeSession([])
    assert ActorDirectory(nobody).names([]).known == {} and nobody.statements == 1  # type: ignore[arg-type]
