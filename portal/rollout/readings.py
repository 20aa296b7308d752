"""What the canary and the control cohorts did, read from Prometheus or, without one, from the instances themselves.

Both sources answer the same ``Readings`` for the current step of the rollout:

- ``PrometheusReadings`` asks Prometheus' HTTP API for the increase of each
  counter over the window (``ROLLOUT_WINDOW``, shortened to the time since the
  step began, so the previous step's traffic does not count).
- ``InstanceReadings`` scrapes each instance's ``/metrics`` and subtracts the
  counts the instance had when the step was taken (the step's ``baseline``); an
  instance whose counts went down restarted, and counts from zero.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import requests
from prometheus_client.parser import text_string_to_metric_families

from portal.observability.cohort import CANARY, CONTROL

COHORTS = (CANARY, CONTROL)
TIMEOUT = 5.0


class ReadingsUnavailable(RuntimeError):
    """The source could not be read: a guardrail that cannot be read is not green."""


@dataclass(frozen=True)
class CohortTraffic:
    requests: float = 0.0
    errors: float = 0.0
    p99_seconds: float | None = None
    money_failures: float = 0.0

    @property
    def error_ratio(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class Readings:
    source: str
    cohorts: Mapping[str, CohortTraffic]
    conflicts: float
    #: Per instance, its raw counters now: the next step's baseline (empty for Prometheus).
    counters: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    @property
    def canary(self) -> CohortTraffic:
        return self.cohorts.get(CANARY, CohortTraffic())

    @property
    def control(self) -> CohortTraffic:
        return self.cohorts.get(CONTROL, CohortTraffic())


def quantile(q: float, buckets: Mapping[float, float]) -> float | None:
    """Prometheus' ``histogram_quantile`` over cumulative bucket counts (upper bound → count)."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return None
    rank = q * buckets[bounds[-1]]
    lower_bound, lower_count = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower_bound
            if count == lower_count:
                return bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = bound, count
    return bounds[-1]


# -- Prometheus ------------------------------------------------------------------------------------------------------


class PrometheusReadings:
    """Increases over the window, summed over every instance Prometheus scrapes."""

    def __init__(self, url: str, job: str = "agent-portal") -> None:
        self.url = url.rstrip("/")
        self.job = job

    def _value(self, query: str) -> float | None:
        try:
            answer = requests.get(f"{self.url}/api/v1/query", params={"query": query}, timeout=TIMEOUT)
            document = answer.json()
        except (requests.RequestException, ValueError) as error:
            raise ReadingsUnavailable(f"Prometheus at {self.url} could not be read ({type(error).__name__}).") from None
        if document.get("status") != "success":
            raise ReadingsUnavailable(f"Prometheus refused a query: {document.get('error', 'no reason given')}")
        result = document["data"]["result"]
        if not result:
            return None
        value = float(result[0]["value"][1])
        return None if math.isnan(value) else value

    def read(self, window_seconds: int, baseline: Mapping[str, Mapping[str, float]] | None = None) -> Readings:
        window = f"{max(60, int(window_seconds))}s"
        selector = f'job="{self.job}"'
        requests_total = "portal_http_request_duration_seconds_count"
        cohorts = {}
        for cohort in COHORTS:
            mine = f'{selector},cohort="{cohort}"'
            cohorts[cohort] = CohortTraffic(
                requests=self._value(f"sum(increase({requests_total}{{{mine}}}[{window}]))") or 0.0,
                errors=self._value(f'sum(increase({requests_total}{{{mine},status_class="5xx"}}[{window}]))') or 0.0,
                p99_seconds=self._value(
                    "histogram_quantile(0.99, sum by (le) "
                    f"(increase(portal_http_request_duration_seconds_bucket{{{mine}}}[{window}])))"
                ),
                money_failures=self._value(
                    f'sum(increase(portal_money_commands_total{{{mine},outcome="failed"}}[{window}]))'
                )
                or 0.0,
            )
        conflicts = self._value(f"sum(increase(portal_command_conflicts_total{{{selector}}}[{window}]))") or 0.0
        return Readings(source=f"Prometheus {self.url}, last {window}", cohorts=cohorts, conflicts=conflicts)


# -- the instances' own /metrics -------------------------------------------------------------------------------------


def counters_of(text: str) -> dict[str, float]:
    """The counters a guardrail needs from one scrape, flat: ``requests:canary``, ``bucket:canary:0.5`` …"""
    counters: dict[str, float] = defaultdict(float)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            cohort = labels.get("cohort")
            if sample.name == "portal_http_request_duration_seconds_count" and cohort in COHORTS:
                counters[f"requests:{cohort}"] += sample.value
                if labels.get("status_class") == "5xx":
                    counters[f"errors:{cohort}"] += sample.value
            elif sample.name == "portal_http_request_duration_seconds_bucket" and cohort in COHORTS:
                counters[f"bucket:{cohort}:{labels['le']}"] += sample.value
            elif sample.name == "portal_money_commands_total" and labels.get("outcome") == "failed" and cohort:
                counters[f"money_failures:{cohort}"] += sample.value
            elif sample.name == "portal_command_conflicts_total":
                counters["conflicts"] += sample.value
            elif sample.name == "portal_instance_started_timestamp_seconds":
                counters["started"] = sample.value
    return dict(counters)


def since(now: Mapping[str, float], then: Mapping[str, float]) -> dict[str, float]:
    """Counts since ``then``; an instance that started again (or whose counts went down) counts from zero."""
    counts = {key: value for key, value in now.items() if key != "started"}
    restarted = "started" in then and now.get("started") != then["started"]
    if restarted or any(counts.get(key, 0.0) < value for key, value in then.items() if key != "started"):
        return counts
    return {key: value - then.get(key, 0.0) for key, value in counts.items()}


def readings_from_counters(source: str, per_instance: Iterable[Mapping[str, float]],
                           counters: Mapping[str, Mapping[str, float]]) -> Readings:  # fmt: skip
    total: dict[str, float] = defaultdict(float)
    for instance in per_instance:
        for key, value in instance.items():
            total[key] += value
    cohorts = {}
    for cohort in COHORTS:
        buckets = {
            float(key.rsplit(":", 1)[1]): value for key, value in total.items() if key.startswith(f"bucket:{cohort}:")
        }
        cohorts[cohort] = CohortTraffic(
            requests=total.get(f"requests:{cohort}", 0.0), errors=total.get(f"errors:{cohort}", 0.0),
            p99_seconds=quantile(0.99, buckets), money_failures=total.get(f"money_failures:{cohort}", 0.0),
        )  # fmt: skip
    return Readings(source=source, cohorts=cohorts, conflicts=total.get("conflicts", 0.0), counters=counters)


class InstanceReadings:
    """Each instance's ``/metrics`` (with the metrics token), counted since the step's baseline."""

    def __init__(self, urls: Iterable[str], token: str = "") -> None:
        self.urls = tuple(urls)
        self.token = token

    def _scrape(self, url: str) -> dict[str, float]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            answer = requests.get(url, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as error:
            raise ReadingsUnavailable(f"{url} could not be scraped ({type(error).__name__}).") from None
        if answer.status_code != 200:
            raise ReadingsUnavailable(f"{url} answered {answer.status_code} (is METRICS_TOKEN the instances' one?)")
        return counters_of(answer.text)

    def read(self, window_seconds: int, baseline: Mapping[str, Mapping[str, float]] | None = None) -> Readings:
        baseline = baseline or {}
        now = {url: self._scrape(url) for url in self.urls}
        deltas = [since(counts, baseline.get(url, {})) for url, counts in now.items()]
        return readings_from_counters(f"{len(self.urls)} instance(s), since the step began", deltas, now)


class LocalReadings:
    """This host's own counts: the workers' ``PROMETHEUS_MULTIPROC_DIR`` (the CLI run beside gunicorn)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def read(self, window_seconds: int, baseline: Mapping[str, Mapping[str, float]] | None = None) -> Readings:
        from prometheus_client import CollectorRegistry, generate_latest
        from prometheus_client.multiprocess import MultiProcessCollector

        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=self.directory)
        now = {"local": counters_of(generate_latest(registry).decode())}
        deltas = [since(now["local"], (baseline or {}).get("local", {}))]
        return readings_from_counters(f"this host's workers ({self.directory}), since the step began", deltas, now)
