"""JSON log lines, each carrying the current correlation id and nothing in clear."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from portal.observability.correlation import current_correlation_id
from portal.security.masking import mask_text
from portal.security.redaction import redact

HANDLER_NAME = "portal-json"
QUIET_LOGGERS = ("alembic.runtime.plugins", "werkzeug")


class CorrelationIdFilter(logging.Filter):
    """Add ``correlation_id`` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", None):
            record.correlation_id = current_correlation_id()
        return True


def _clean(text: str) -> str:
    return mask_text(redact(text))


class MaskingFilter(logging.Filter):
    """Redact known secrets and mask card numbers, e-mails, phones and IBANs anywhere in the record.

    The message, its arguments, every extra field and the exception text are
    cleaned before any formatter sees them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = _clean(record.getMessage()), None
        for name, value in list(vars(record).items()):
            if name not in _STANDARD_ATTRIBUTES and name not in _IDENTIFIERS and isinstance(value, str):
                setattr(record, name, _clean(value))
        if record.exc_info:
            record.exc_text = _clean(_PLAIN.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = _clean(record.stack_info)
        return True


_PLAIN = logging.Formatter()
#: Ids the portal makes itself, quoted to support and searched for in the logs: a run of digits in a random hex id
#: (``…4443296816836…``) looks like a phone number to the masker, and must stay as it is.
_IDENTIFIERS = frozenset({"correlation_id"})
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    """Send the portal's log records to standard error, one JSON object a line."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(HANDLER_NAME)
    if json_lines:
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}{correlation_id}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"))
    root.addHandler(handler)
    for each in root.handlers:
        # Every handler, also those a server such as gunicorn installed, masks what it writes.
        if not any(isinstance(f, MaskingFilter) for f in each.filters):
            each.addFilter(CorrelationIdFilter())
            each.addFilter(MaskingFilter())
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
