"""Template filters: money, dates and rates in the viewer's locale, times in the viewer's zone, actors by name."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from flask import Flask, g, has_request_context, request
from markupsafe import Markup, escape

from portal.domain.money import format_money as format_money_in
from portal.domain.text import without_bidi_controls
from portal.read.audit_changes import ActorRef, Amount, FieldValue, Rate
from portal.web.actor_names import actor_label
from portal.web.local_time import local_time_markup
from portal.web.queries import query_args, sort_args

SUPPORTED_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR")
DEFAULT_LOCALE = "en_US"


def viewer_locale() -> str:
    """The best of our locales for the browser's Accept-Language."""
    if not has_request_context():
        return DEFAULT_LOCALE
    if "locale" not in g:
        offered = [code.replace("_", "-") for code in SUPPORTED_LOCALES]
        best = request.accept_languages.best_match(offered)
        g.locale = best.replace("-", "_") if best else DEFAULT_LOCALE
    return g.locale


def format_money(amount_minor: int, currency: str) -> str:
    return format_money_in(amount_minor, currency, viewer_locale())


def money_markup(amount_minor: int | None, currency: str) -> Markup:
    """Money as HTML: negative amounts carry a class and keep their minus sign."""
    if amount_minor is None:
        return Markup('<span class="money money--none">—</span>')
    css = "money money--negative" if amount_minor < 0 else "money"
    return Markup(f'<span class="{css}">{escape(format_money(amount_minor, currency))}</span>')


def format_when(value: datetime | None) -> Markup:
    """A moment as ``<time>``: local and compact as text, the UTC instant in its attributes."""
    return local_time_markup(value, viewer_locale())


def format_number(value: int) -> str:
    """``999999`` reads as ``999,999`` (in the viewer's locale)."""
    return format_decimal(value, locale=viewer_locale())


def format_total(total: int, estimated: bool = False) -> str:
    """A list's size: ``734``, or an estimate rounded to what is known, ``about 2.3 million``."""
    if not estimated:
        return format_number(total)
    if total >= 1_000_000:
        return f"about {format_decimal(round(total / 1_000_000, 1), locale=viewer_locale())} million"
    digits = max(0, len(str(total)) - 2)
    return f"about {format_number(round(total, -digits))}"


def format_day(value: date | None) -> str:
    if value is None:
        return "—"
    return format_date(value, "medium", locale=viewer_locale())


def format_rate(rate_bps: int) -> str:
    return format_percent(Decimal(rate_bps) / Decimal(10_000), "#,##0.##%", locale=viewer_locale())


def format_field_value(value: FieldValue) -> Markup | str:
    """A field of an audit event as it reads: money, a rate, a moment in the viewer's zone, a day, yes/no, or —."""
    if value is None:
        return Markup('<span class="muted">—</span>')
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Amount):
        if value.currency is None:
            return f"{format_number(value.amount_minor)} (minor units)"
        return money_markup(value.amount_minor, value.currency)
    if isinstance(value, Rate):
        return format_rate(value.bps)
    if isinstance(value, ActorRef):
        return actor_label(value.raw)
    if isinstance(value, datetime):
        return format_when(value)
    if isinstance(value, date):
        return format_day(value)
    if value == "":
        return Markup('<span class="muted">(empty)</span>')
    return str(value)


def humanize(value: str | None) -> str:
    """``partially_paid`` reads as ``partially paid``."""
    return (value or "").replace("_", " ")


def shown(value: object) -> object:
    """What every ``{{ … }}`` prints, less bidirectional controls: a stored name cannot reverse what people read."""
    if isinstance(value, Markup):
        # Safe text stays safe with characters taken out of it.
        return Markup(without_bidi_controls(str(value)))
    if isinstance(value, str):
        return without_bidi_controls(value)
    return value


def install_template_filters(app: Flask) -> None:
    from portal.auth.permissions import can
    from portal.commands.base import new_idempotency_key
    from portal.security.masking import mask_email, mask_phone
    from portal.services.money.switch import money_disabled, money_paused

    app.jinja_env.finalize = shown
    app.add_template_filter(money_markup, "money")
    app.add_template_filter(format_when, "when")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_total, "total")
    app.add_template_filter(format_rate, "rate")
    app.add_template_filter(humanize, "humanize")
    app.add_template_filter(format_field_value, "audit_value")
    app.add_template_filter(actor_label, "actor")
    app.add_template_filter(mask_email, "mask_email")
    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_global(can, "can")
    app.add_template_global(new_idempotency_key, "new_idempotency_key")
    app.add_template_global(query_args, "query_args")
    app.add_template_global(sort_args, "sort_args")
    app.add_template_global(money_paused, "money_paused")
    app.add_template_global(money_disabled, "money_disabled")
