"""A money form sent again with a new key must be confirmed before it moves money a second time.

The idempotency key stops a double click and a resubmission of the same page.
It cannot stop a page that was fetched again (Back, with nothing cached, shows
the form anew with a new key) and sent with the same amount: a person who
meant it once would see the money move twice. So a payment, refund, payout
request or adjustment that repeats one made in the last ten minutes is
refused until the person ticks that they mean another one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.domain import errors

REPEAT_WINDOW = timedelta(minutes=10)


def ago(moment: datetime, now: datetime) -> str:
    """``2 minutes ago``, ``1 minute ago``, ``less than a minute ago``."""
    minutes = int((now - moment).total_seconds() // 60)
    if minutes < 1:
        return "less than a minute ago"
    return f"{minutes} minute{'s' if minutes != 1 else ''} ago"


def check_not_a_repeat(earlier: datetime | None, now: datetime, what_happened: str, ask: str) -> None:
    """Refuse when the same movement happened within the window (``earlier``), naming it and asking."""
    if earlier is not None:
        raise errors.RepeatNeedsConfirmation(f"{what_happened} {ago(earlier, now)} — {ask}")


def since(now: datetime) -> datetime:
    return now - REPEAT_WINDOW
