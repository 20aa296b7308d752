"""The canary's arithmetic: quantiles from buckets as Prometheus computes them, counts since a step, and the
guardrails' verdicts at their limits (pure: no database, no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.config import rollout_settings
from portal.read.operations import VerificationState
from portal.rollout.guardrails import judge
from portal.rollout.readings import CohortTraffic, Readings, counters_of, quantile, readings_from_counters, since

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
LIMITS = rollout_settings({})
PASSED = VerificationState("ledger", NOW - timedelta(minutes=30), 0, "ok", NOW - timedelta(minutes=30))


def readings(canary: CohortTraffic, control: CohortTraffic, conflicts: float = 0) -> Readings:
    return Readings("test", {"canary": canary, "control": control}, conflicts)


def verdicts(now: Readings | None, percentage: int = 25, ledger=PASSED, money: bool = True) -> dict[str, bool]:
    return {g.name: g.held for g in judge(now, "unreadable", percentage, ledger, money, NOW, LIMITS)}


HEALTHY = CohortTraffic(requests=500, errors=1, p99_seconds=0.12)


def test_quantile_interpolates_within_a_bucket_as_histogram_quantile_does():
    buckets = {0.1: 50.0, 0.5: 90.0, 1.0: 100.0, float("inf"): 100.0}
    assert quantile(0.5, buckets) == pytest.approx(0.1)
    assert quantile(0.7, buckets) == pytest.approx(0.3)
    assert quantile(0.99, buckets) == pytest.approx(0.95)
    assert quantile(0.99, {0.1: 0.0, float("inf"): 0.0}) is None
    assert quantile(0.99, {0.5: 10.0, float("inf"): 20.0}) == 0.5, "beyond the last bound: the last bound"


def test_counts_since_a_step_and_an_instance_that_restarted_counts_from_zero():
    assert since({"requests:canary": 30.0, "errors:canary": 2.0}, {"requests:canary": 10.0}) == {
        "requests:canary": 20.0, "errors:canary": 2.0,
    }  # fmt: skip
    assert since({"requests:canary": 5.0}, {"requests:canary": 10.0}) == {"requests:canary": 5.0}
    restarted = since({"requests:canary": 30.0, "started": 2.0}, {"requests:canary": 10.0, "started": 1.0})
    assert restarted == {"requests:canary": 30.0}, "an instance started again counts from zero, even past the baseline"
    assert since({"requests:canary": 30.0, "started": 1.0}, {"requests:canary": 10.0, "started": 1.0}) == {
        "requests:canary": 20.0
    }


CANARY_5XX = 'cohort="canary",endpoint="a",method="GET",status_class="5xx"'


def test_counters_are_read_from_the_exposition_format_by_cohort():
    text = "\n".join([
        '# TYPE portal_http_request_duration_seconds histogram',
        f'portal_http_request_duration_seconds_bucket{{{CANARY_5XX},le="0.5"}} 3',
        f'portal_http_request_duration_seconds_bucket{{{CANARY_5XX},le="+Inf"}} 4',
        f"portal_http_request_duration_seconds_count{{{CANARY_5XX}}} 4",
        f"portal_http_request_duration_seconds_sum{{{CANARY_5XX}}} 1",
        'portal_http_request_duration_seconds_count{cohort="none",endpoint="b",method="GET",status_class="2xx"} 9',
        '# TYPE portal_command_conflicts counter',
        'portal_command_conflicts_total{command="x",cohort="none"} 2',
        '# TYPE portal_money_commands counter',
        'portal_money_commands_total{command="x",outcome="failed",error="E",cohort="canary"} 1',
    ]) + "\n"  # fmt: skip
    counters = counters_of(text)
    assert counters["requests:canary"] == 4 and counters["errors:canary"] == 4 and counters["conflicts"] == 2
    assert counters["money_failures:canary"] == 1 and "requests:none" not in counters
    summed = readings_from_counters("two", [counters, counters], {})
    assert summed.canary.requests == 8 and summed.canary.error_ratio == 1.0 and summed.conflicts == 4
    assert summed.canary.p99_seconds == pytest.approx(0.5)


def test_a_healthy_canary_is_green_at_every_guardrail():
    assert all(verdicts(readings(HEALTHY, HEALTHY)).values())


def test_the_canary_is_red_when_its_error_ratio_exceeds_the_controls_by_more_than_the_limit():
    worse = CohortTraffic(requests=500, errors=1 + 500 * 0.011, p99_seconds=0.12)
    at_limit = CohortTraffic(requests=500, errors=1 + 500 * 0.0099, p99_seconds=0.12)
    assert verdicts(readings(worse, HEALTHY))["5xx ratio, canary vs control"] is False
    assert verdicts(readings(at_limit, HEALTHY))["5xx ratio, canary vs control"] is True


def test_p99_is_judged_against_the_control_but_never_below_the_floor():
    slow = CohortTraffic(requests=500, p99_seconds=0.9)
    control = CohortTraffic(requests=500, p99_seconds=0.5)
    assert verdicts(readings(slow, control))["p99 latency, canary vs control"] is False  # 0.9 > 1.5 × 0.5
    fast = CohortTraffic(requests=500, p99_seconds=0.2)
    assert verdicts(readings(fast, CohortTraffic(requests=500, p99_seconds=0.01)))["p99 latency, canary vs control"]


def test_a_single_canary_money_failure_or_too_many_conflicts_is_red():
    failing = CohortTraffic(requests=500, errors=1, p99_seconds=0.12, money_failures=1)
    assert verdicts(readings(failing, HEALTHY))["canary money command failures"] is False
    assert verdicts(readings(HEALTHY, HEALTHY, conflicts=6))["final conflicts"] is False
    assert verdicts(readings(HEALTHY, HEALTHY, conflicts=5))["final conflicts"] is True


def test_too_little_canary_traffic_cannot_be_judged_but_at_zero_percent_there_is_no_canary_to_judge():
    quiet = CohortTraffic(requests=19)
    assert verdicts(readings(quiet, HEALTHY)) == {"canary traffic": False, "last ledger verify": True,
                                                  "money commands running": True}  # fmt: skip
    assert all(verdicts(None, percentage=0).values())
    assert verdicts(None, percentage=5)["canary metrics"] is False


def test_the_ledger_must_have_passed_within_two_hours_and_money_must_run():
    old = VerificationState("ledger", NOW - timedelta(hours=3), 0, "ok", NOW - timedelta(hours=3))
    broken = VerificationState("ledger", NOW - timedelta(minutes=1), 2, "2 violations", None)
    never = VerificationState("ledger", None, None, "", None)
    for ledger in (old, broken, never):
        assert verdicts(readings(HEALTHY, HEALTHY), ledger=ledger)["last ledger verify"] is False
    assert verdicts(readings(HEALTHY, HEALTHY), money=False)["money commands running"] is False
