"""What ``/metrics`` answers: every worker's counts, and gauges read from the shared database at scrape time.

Counts live in the process (or, under gunicorn, in ``PROMETHEUS_MULTIPROC_DIR``,
summed over the workers). The outbox, the last verification runs and the flags
belong to the database, not to a process: they are read once per scrape, so
every instance reports the same value and dashboards take their ``max``. A
database that cannot be read leaves them out and says so in
``portal_database_reachable``; the process's own counts are still answered.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime
from math import nan as NAN

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal.flags.catalog import CATALOG
from portal.flags.evaluation import FlagState
from portal.read.operations import OperationsReadRepository

logger = logging.getLogger(__name__)


class SharedGauges:
    """A collector of what the database knows, for one scrape."""

    def __init__(
        self, session: Session, now: datetime, flags: dict[str, FlagState], overrides: dict[str, bool | int]
    ) -> None:
        self._session = session
        self._now = now
        self._flags = flags
        self._overrides = overrides

    def collect(self) -> Iterator[Metric]:
        reachable = GaugeMetricFamily("portal_database_reachable", "1 when this scrape could read the database.")
        try:
            families = list(self._from_database())
        except SQLAlchemyError:
            logger.warning("metrics: the database could not be read; its gauges are left out", exc_info=True)
            self._session.rollback()
            reachable.add_metric([], 0)
            yield reachable
        else:
            reachable.add_metric([], 1)
            yield reachable
            yield from families
        yield from self._flag_gauges()

    def _from_database(self) -> Iterator[Metric]:
        reads = OperationsReadRepository(self._session)
        outbox = reads.outbox(self._now)
        yield _gauge("portal_email_outbox_depth", "E-mails waiting to be sent.", outbox.pending)
        yield _gauge("portal_email_outbox_oldest_due_age_seconds", "How long the oldest due e-mail has waited.",
                     outbox.oldest_due_age)  # fmt: skip
        yield _gauge("portal_email_outbox_failed", "E-mails that failed for good (kept with their error).",
                     outbox.failed)  # fmt: skip
        held = GaugeMetricFamily("portal_verification_ok", "1 when the last run found no violation (NaN: never ran).",
                                 labels=["check"])  # fmt: skip
        last_run = GaugeMetricFamily("portal_verification_last_run_timestamp_seconds",
                                     "When the check last ran (0: never).", labels=["check"])  # fmt: skip
        last_success = GaugeMetricFamily("portal_verification_last_success_timestamp_seconds",
                                         "When the check last passed (0: never).", labels=["check"])  # fmt: skip
        violations = GaugeMetricFamily("portal_verification_violations", "Violations the last run found.",
                                       labels=["check"])  # fmt: skip
        for state in reads.verifications():
            last_run.add_metric([state.check], state.last_run_at.timestamp() if state.last_run_at else 0)
            last_success.add_metric([state.check], state.last_success_at.timestamp() if state.last_success_at else 0)
            # Before the first run, NaN: the series exists (no dead metric), and neither ``== 0`` nor ``== 1`` holds.
            held.add_metric([state.check], NAN if state.held is None else int(state.held))
            violations.add_metric([state.check], NAN if state.held is None else state.last_violations or 0)
        yield from (held, last_run, last_success, violations)

    def _flag_gauges(self) -> Iterator[Metric]:
        enabled = GaugeMetricFamily("portal_flag_enabled", "1 when the flag is on.", labels=["flag"])
        percentage = GaugeMetricFamily("portal_flag_rollout_percentage", "The flag's rollout percentage.",
                                       labels=["flag"])  # fmt: skip
        for name, definition in CATALOG.items():
            # As evaluation sees it: an override from the environment wins over the table.
            state, override = self._flags.get(name), self._overrides.get(name)
            on = state.enabled if state is not None else definition.default
            share = state.rollout_percentage if state is not None else 100
            if isinstance(override, bool):
                on, share = override, 100 if override else 0
            elif override is not None:
                on, share = override > 0, override
            enabled.add_metric([name], int(on))
            percentage.add_metric([name], share if on else 0)
        yield enabled
        yield percentage


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


def exposition(shared: SharedGauges) -> bytes:
    """The text format: the counts of every worker (or of this process), then the shared gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        counts = generate_latest(registry)
    else:
        counts = generate_latest(REGISTRY)
    return counts + generate_latest(shared)
