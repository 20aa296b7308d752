"""The chain's verification, on events built in memory."""

from datetime import UTC, datetime

from portal.persistence.audit_chain import GENESIS_HASH, event_hash, head_mac, verify_events

KEY = b"k" * 32


def build_chain(count: int, key: bytes = KEY) -> tuple[list[dict], dict]:
    events, previous = [], GENESIS_HASH
    for seq in range(1, count + 1):
        event = {
            "id": seq + 100,
            "seq": seq,
            "occurred_at": datetime(2026, 11, 28, 12, 0, seq, tzinfo=UTC),
            "actor": "user:1",
            "action": "update",
            "entity_type": "Agent",
            "entity_id": str(seq),
            "before": {"status": "active"},
            "after": {"status": "suspended", "ünïcode": "ok"},
            "reason": None,
            "command": "suspend_agent",
            "correlation_id": "corr-0001",
            "request_ip": "127.0.0.1",
            "prev_hash": previous,
        }
        event["hash"] = previous = event_hash(key, event)
        events.append(event)
    head = {"last_seq": count, "last_hash": previous, "head_mac": head_mac(key, count, previous)}
    return events, head


def test_an_intact_chain_holds():
    events, head = build_chain(5)
    report = verify_events(KEY, events, head)
    assert report.holds and report.checked == 5


def test_an_empty_chain_holds_at_genesis():
    assert verify_events(KEY, [], {"last_seq": 0, "last_hash": GENESIS_HASH, "head_mac": ""}).holds


def test_a_changed_field_is_named_by_its_event():
    events, head = build_chain(5)
    events[2]["after"] = {"status": "active"}
    report = verify_events(KEY, events, head)
    assert not report.holds
    assert report.first_break.seq == 3 and report.first_break.event_id == 103
    assert "changed" in str(report.first_break)


def test_a_deleted_event_in_the_middle_is_detected():
    events, head = build_chain(5)
    del events[1]
    report = verify_events(KEY, events, head)
    assert report.first_break.seq == 3 and "deleted" in report.first_break.problem


def test_deleting_the_newest_events_is_detected_by_the_head():
    events, head = build_chain(5)
    report = verify_events(KEY, events[:3], head)
    assert not report.holds and "deleted" in report.first_break.problem


def test_a_head_rewound_to_hide_a_deletion_fails_its_mac():
    events, head = build_chain(5)
    rewound = {"last_seq": 3, "last_hash": events[2]["hash"], "head_mac": head["head_mac"]}
    report = verify_events(KEY, events[:3], rewound)
    assert not report.holds and "MAC" in report.first_break.problem


def test_a_chain_recomputed_without_the_key_fails():
    events, head = build_chain(4, key=b"attacker-guess")
    report = verify_events(KEY, events, head)
    assert report.first_break.seq == 1


def test_the_hash_covers_every_field():
    events, _ = build_chain(1)
    original = events[0]["hash"]
    for field in (
        "seq",
        "actor",
        "action",
        "entity_type",
        "entity_id",
        "before",
        "after",
        "reason",
        "command",
        "correlation_id",
        "request_ip",
        "prev_hash",
        "occurred_at",
    ):
        tampered = dict(events[0], **{field: "tampered"})
        assert event_hash(KEY, tampered) != original, field
