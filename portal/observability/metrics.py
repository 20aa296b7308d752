"""Every Prometheus metric the portal exports, in one place: its name, its labels and what it counts.

Under gunicorn the metrics live in ``PROMETHEUS_MULTIPROC_DIR`` (``gunicorn.conf.py``
sets it before the application is imported), so every worker's counts add up on
one ``/metrics``; without it (``flask run``, the tests) they are this process's.
Alert rules and the Grafana dashboard name these metrics: a test fails when one of
their selectors finds no series on a live instance.

``cohort`` splits what agents do by the ``agent_portal`` rollout: ``canary`` for an
agent inside it, ``control`` for an agent outside it, ``none`` for staff, the CLI
and anonymous requests. It labels what a request does (its duration, its commands,
their retries, conflicts and replays, its key provider calls); not what belongs to
no request (e-mail deliveries, the pool, the database's gauges), nor requests in
flight (counted before the request knows its agent), nor flag evaluations (the
``agent_portal`` answer is the cohort itself). Series of rare events (a conflict, a failure) are created
at zero when the process starts, so a rule over them never reads "no data".
"""

from __future__ import annotations

import os
import time

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# ``*_created`` series double what is stored and nothing here reads them.
disable_created_metrics()

COHORTS = ("canary", "control", "none")
#: Seconds: from a cached page (5 ms) to the request timeout (30 s); the latency SLO is 0.5 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
COMMAND_OUTCOMES = ("succeeded", "replayed", "refused", "conflict", "failed")

REQUEST_DURATION = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by endpoint, method, status class and cohort.",
    ["endpoint", "method", "status_class", "cohort"],
    buckets=LATENCY_BUCKETS,
)
REQUESTS_IN_FLIGHT = Gauge(
    "portal_http_requests_in_flight", "Requests being answered right now.", multiprocess_mode="livesum"
)

MONEY_COMMANDS = Counter(
    "portal_money_commands",
    "Money commands by command and outcome; ``error`` names the refusal or failure.",
    ["command", "outcome", "error", "cohort"],
)
MONEY_COMMAND_DURATION = Histogram(
    "portal_money_command_duration_seconds",
    "Time a money command took, retries included.",
    ["command"],
    buckets=LATENCY_BUCKETS,
)
COMMAND_RETRIES = Counter(
    "portal_command_retries",
    "Units of work run again after a lost race (optimistic lock, unique key, deadlock, busy database).",
    ["command", "cohort"],
)
COMMAND_CONFLICTS = Counter(
    "portal_command_conflicts",
    "Commands that still lost the race after the last retry (answered 409: reload and try again).",
    ["command", "cohort"],
)
IDEMPOTENCY_REPLAYS = Counter(
    "portal_idempotency_replays",
    "Requests answered with the stored result of an earlier one with the same key.",
    ["layer", "cohort"],
)

EMAIL_DELIVERIES = Counter(
    "portal_email_deliveries",
    "E-mails handed to SMTP by this process: sent, retried later, or failed for good.",
    ["outcome"],
)

FLAG_EVALUATIONS = Counter(
    "portal_flag_evaluations", "Feature flag evaluations by flag and result.", ["flag", "result"]
)

KEY_PROVIDER_CALLS = Counter(
    "portal_key_provider_calls",
    "Calls to the key provider (local key ring or Vault Transit) by operation and outcome.",
    ["provider", "operation", "outcome", "cohort"],
)
KEY_PROVIDER_DURATION = Histogram(
    "portal_key_provider_call_duration_seconds",
    "Time a key provider call took.",
    ["provider", "operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0),
)

INSTANCE_STARTED = Gauge(
    "portal_instance_started_timestamp_seconds",
    "When this instance's counts began (gunicorn's start, or this process's): a new value means counts from zero.",
    multiprocess_mode="max",
)
INSTANCE_STARTED.set(float(os.environ.get("PORTAL_INSTANCE_STARTED", time.time())))

DB_POOL_IN_USE = Gauge(
    "portal_db_pool_connections_in_use",
    "Database connections checked out of the pool right now.",
    multiprocess_mode="livesum",
)


def create_rare_series(money_commands: tuple[str, ...], commands: tuple[str, ...], flags: tuple[str, ...]) -> None:
    """Create at zero the series of events that may not have happened yet, so rules over them see a value."""
    for cohort in COHORTS:
        for command in money_commands:
            for outcome in COMMAND_OUTCOMES:
                MONEY_COMMANDS.labels(command, outcome, "", cohort)
        for command in commands:
            COMMAND_RETRIES.labels(command, cohort)
            COMMAND_CONFLICTS.labels(command, cohort)
        for layer in ("command", "api"):
            IDEMPOTENCY_REPLAYS.labels(layer, cohort)
    for outcome in ("sent", "retried", "failed"):
        EMAIL_DELIVERIES.labels(outcome)
    for flag in flags:
        for result in ("on", "off"):
            FLAG_EVALUATIONS.labels(flag, result)
    for command in money_commands:
        MONEY_COMMAND_DURATION.labels(command)


def create_provider_series(provider: str) -> None:
    """The key provider's series, at zero until its first call."""
    for operation in ("wrap", "unwrap", "rewrap", "active_version", "versions", "rotate", "retire"):
        for outcome in ("ok", "error"):
            for cohort in COHORTS:
                KEY_PROVIDER_CALLS.labels(provider, operation, outcome, cohort)
        KEY_PROVIDER_DURATION.labels(provider, operation)
