"""How a flag decides, rule by rule: the catalog's default, off, overrides, deny before allow, sticky percentages."""

from __future__ import annotations

import pytest

from portal.flags.catalog import AGENT_PORTAL, CATALOG, FINANCIAL_ORCHESTRATOR, parse_override
from portal.flags.evaluation import FlagState, decide, rollout_bucket

PORTAL = CATALOG[AGENT_PORTAL]
SWITCH = CATALOG[FINANCIAL_ORCHESTRATOR]
SLUGS = [f"agent-{n:05d}" for n in range(2000)]


def state(**fields) -> FlagState:
    values = {"name": AGENT_PORTAL, "enabled": True, "rollout_percentage": 100, "allow_list": frozenset(),
              "deny_list": frozenset()}  # fmt: skip
    return FlagState(**{**values, **fields})


def test_a_flag_never_stored_takes_the_catalogs_default():
    assert decide(PORTAL, None, None, "northwind") == (PORTAL.default, "DEFAULT")
    assert decide(SWITCH, None, None, None) == (SWITCH.default, "DEFAULT")


def test_off_is_off_for_every_agent_whatever_the_lists_say():
    off = state(enabled=False, allow_list=frozenset({"northwind"}))
    assert decide(PORTAL, off, None, "northwind") == (False, "DISABLED")


def test_the_deny_list_wins_over_the_allow_list_and_the_percentage():
    both = state(allow_list=frozenset({"northwind"}), deny_list=frozenset({"northwind"}))
    assert decide(PORTAL, both, None, "northwind")[0] is False
    assert decide(PORTAL, state(rollout_percentage=0, allow_list=frozenset({"cedar"})), None, "cedar")[0] is True


@pytest.mark.parametrize("percentage", [0, 10, 25, 50, 90, 100])
def test_a_percentage_lets_in_about_that_share_of_agents(percentage):
    inside = sum(decide(PORTAL, state(rollout_percentage=percentage), None, slug)[0] for slug in SLUGS)
    assert abs(inside / len(SLUGS) * 100 - percentage) <= 4


def test_widening_a_rollout_keeps_everyone_who_was_in():
    for narrow, wide in ((10, 25), (25, 50), (50, 99)):
        was_in = {slug for slug in SLUGS if decide(PORTAL, state(rollout_percentage=narrow), None, slug)[0]}
        now_in = {slug for slug in SLUGS if decide(PORTAL, state(rollout_percentage=wide), None, slug)[0]}
        assert was_in < now_in


def test_buckets_are_stable_and_differ_between_flags():
    assert rollout_bucket(AGENT_PORTAL, "northwind") == rollout_bucket(AGENT_PORTAL, "northwind")
    assert [rollout_bucket("a", slug) for slug in SLUGS[:50]] != [rollout_bucket("b", slug) for slug in SLUGS[:50]]


def test_an_override_from_the_environment_wins_over_the_table():
    off = state(enabled=False)
    assert decide(PORTAL, off, True, "northwind") == (True, "STATIC")
    assert decide(PORTAL, state(), False, "northwind") == (False, "STATIC")
    assert decide(SWITCH, None, False, None)[0] is False
    share = sum(decide(PORTAL, off, 25, slug)[0] for slug in SLUGS) / len(SLUGS)
    assert 0.21 <= share <= 0.29


@pytest.mark.parametrize(("text", "value"), [("on", True), ("OFF", False), ("true", True), (" 25 ", 25), ("0", 0),
                                             ("1", 1), ("100", 100)])  # fmt: skip
def test_overrides_are_read_strictly(text, value):
    assert parse_override(text) == value


@pytest.mark.parametrize("text", ["", "1.5", "101", "-1", "maybe"])
def test_an_unreadable_override_is_refused(text):
    with pytest.raises(ValueError):
        parse_override(text)
