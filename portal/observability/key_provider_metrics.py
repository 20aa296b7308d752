"""The key provider, measured: every call counted by operation and outcome, with its latency."""

from __future__ import annotations

import time
from typing import Any

from portal.observability import metrics
from portal.observability.cohort import current_cohort

MEASURED = ("active_version", "versions", "wrap", "unwrap", "rewrap", "rotate", "retire")


class MeasuredKeyProvider:
    """Wraps a KeyProvider (the local key ring, Vault Transit); everything else passes through untouched."""

    def __init__(self, provider: Any) -> None:
        self._provider = provider
        self._label = getattr(provider, "name", type(provider).__name__)
        metrics.create_provider_series(self._label)

    @property
    def measured(self) -> Any:
        """The provider inside (a test's or a command's way to reach what it really is)."""
        return self._provider

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(self._provider, attribute)
        if attribute not in MEASURED:
            return value
        return lambda *args, **kwargs: self._measure(attribute, value, args, kwargs)

    def _measure(self, operation: str, call: Any, args: tuple, kwargs: dict) -> Any:
        started = time.perf_counter()
        outcome = "error"
        try:
            answer = call(*args, **kwargs)
            outcome = "ok"
            return answer
        finally:
            metrics.KEY_PROVIDER_CALLS.labels(self._label, operation, outcome, current_cohort()).inc()
            metrics.KEY_PROVIDER_DURATION.labels(self._label, operation).observe(time.perf_counter() - started)
