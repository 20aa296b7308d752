"""The log filter masks personal data anywhere in a record, but never the request's correlation id."""

from __future__ import annotations

import logging

from portal.observability.logging import MaskingFilter


def _record(**extra) -> logging.LogRecord:
    record = logging.LogRecord("portal", logging.INFO, __file__, 1, "paid with 4111 1111 1111 1111", None, None)
    for name, value in extra.items():
        setattr(record, name, value)
    return record


def test_a_correlation_id_with_a_long_run_of_digits_is_kept_as_it_is():
    request_id = "462c8805edf4443296816836e002f774"
    record = _record(correlation_id=request_id, note="call +44 20 7946 0958")
    assert MaskingFilter().filter(record)
    assert record.correlation_id == request_id
    assert "7946 0958" not in record.note and "4111 1111 1111 1111" not in record.getMessage()
