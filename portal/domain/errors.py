"""Refusals a user can act on. Each message is safe to show as it is."""

from __future__ import annotations


class DomainError(Exception):
    """A command was refused; nothing was changed."""

    http_status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    http_status = 404


class InputNotValid(DomainError):
    """A field's value is not acceptable."""


class AmountNotValid(InputNotValid):
    """Zero, negative, fractional or absurdly large amounts."""


class CurrencyMismatch(InputNotValid):
    pass


class ReasonRequired(InputNotValid):
    pass


class AgentSuspended(DomainError):
    http_status = 403


class InvoiceNotPayable(DomainError):
    http_status = 409


class InvoiceStateConflict(DomainError):
    http_status = 409


class PaymentNotRefundable(DomainError):
    http_status = 409


class RefundExceedsPayment(DomainError):
    pass


class CommissionNotApprovable(DomainError):
    http_status = 409


class InsufficientFunds(DomainError):
    http_status = 409


class BelowMinimumPayout(DomainError):
    pass


class PayoutNotPending(DomainError):
    http_status = 409


class IdempotencyKeyInvalid(InputNotValid):
    pass


class IdempotencyConflict(DomainError):
    """The key was already used for a different request."""

    http_status = 409


class ConcurrencyConflict(DomainError):
    """Others kept changing the same records; the command gave up after its retries."""

    http_status = 409
