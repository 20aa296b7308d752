"""Refusals a user can act on. Each message is safe to show as it is.

A refusal names the field it is about (``amount``, ``reason``, ``slug``…) when
there is one, so a form shows it next to that field and an API lists it under
that name. The HTTP status is the class's: the pages, the API and the CLI all
answer a refusal the same way.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A command was refused; nothing was changed."""

    http_status: ClassVar[int] = 422
    #: The field a refusal of this kind is about when the raiser names none.
    default_field: ClassVar[str | None] = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field if field is not None else self.default_field


class NotFound(DomainError):
    http_status = 404


class InputNotValid(DomainError):
    """A field's value is not acceptable."""


class AmountNotValid(InputNotValid):
    """Zero, negative, fractional or absurdly large amounts."""

    default_field = "amount"


class CurrencyMismatch(InputNotValid):
    default_field = "amount"


class ReasonRequired(InputNotValid):
    default_field = "reason"


class AgentSuspended(DomainError):
    http_status = 403


class InvoiceNotPayable(DomainError):
    http_status = 409


class InvoiceStateConflict(DomainError):
    http_status = 409


class PaymentNotRefundable(DomainError):
    http_status = 409


class RefundExceedsPayment(DomainError):
    default_field = "amount"


class CommissionNotApprovable(DomainError):
    http_status = 409


class InsufficientFunds(DomainError):
    http_status = 409
    default_field = "amount"


class BelowMinimumPayout(DomainError):
    default_field = "amount"


class PayoutNotPending(DomainError):
    http_status = 409


class RepeatNeedsConfirmation(DomainError):
    """The same money moved the same way minutes ago: a form sent again must be confirmed."""

    http_status = 409
    default_field = "confirm_repeat"


class NegativeBalanceNeedsConfirmation(DomainError):
    """An adjustment would take the available balance below zero: that must be confirmed."""

    http_status = 409
    default_field = "confirm_negative"


class IdempotencyKeyInvalid(InputNotValid):
    pass


class IdempotencyConflict(DomainError):
    """The key was already used for a different request."""

    http_status = 409


class ConcurrencyConflict(DomainError):
    """Others kept changing the same records; the command gave up after its retries."""

    http_status = 409


class ServiceUnavailable(DomainError):
    """A part the command needs (the key service, the database) cannot be reached now."""

    http_status = 503


class MoneyCommandsPaused(DomainError):
    """The kill switch (the ``financial_orchestrator`` flag) is off: no money moves until it is back on."""

    http_status = 503
