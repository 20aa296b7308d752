"""JSON log lines, each carrying the current correlation id and nothing in clear."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from portal.observability.correlation import current_correlation_id
from portal.security.masking import mask_text

HANDLER_NAME = "portal-json"
QUIET_LOGGERS = ("alembic.runtime.plugins", "werkzeug")


class CorrelationIdFilter(logging.Filter):
    """Add ``correlation_id`` to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "correlation_id", None):
            record.correlation_id = current_correlation_id()
        return True


class MaskingFilter(logging.Filter):
    """Mask card numbers, e-mail addresses, phones and IBANs in the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


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
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s")
        )
    handler.addFilter(CorrelationIdFilter())
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
