"""Every persisted entity of the domain."""

from portal.models.agent import Agent, PortalAppearance, PortalLogo
from portal.models.api_token import ApiToken
from portal.models.audit import AuditChainHead, AuditEvent
from portal.models.base import Base
from portal.models.billing import Invoice, Payment, Refund
from portal.models.commission import Commission
from portal.models.feature_flag import FeatureFlag
from portal.models.idempotency import ApiIdempotencyRecord, IdempotencyRecord
from portal.models.notification import EmailOutbox, Notification
from portal.models.operations import RolloutStep, VerificationRun
from portal.models.setting import Setting
from portal.models.summary import AgentFinancialSummary
from portal.models.two_factor import RecoveryCode, TwoFactorCredential
from portal.models.user import LoginSession, User
from portal.models.wallet import Payout, Wallet, WalletTransaction

__all__ = [
    "Agent",
    "AgentFinancialSummary",
    "ApiIdempotencyRecord",
    "ApiToken",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "Commission",
    "EmailOutbox",
    "FeatureFlag",
    "IdempotencyRecord",
    "Invoice",
    "LoginSession",
    "Notification",
    "Payment",
    "Payout",
    "PortalAppearance",
    "PortalLogo",
    "RecoveryCode",
    "Refund",
    "RolloutStep",
    "Setting",
    "TwoFactorCredential",
    "User",
    "VerificationRun",
    "Wallet",
    "WalletTransaction",
]
