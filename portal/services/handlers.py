"""Which handler runs which command: every state change the product knows, in one table."""

from __future__ import annotations

from collections.abc import Mapping

from portal.commands.base import Command
from portal.commands.runner import Handler
from portal.security.key_providers import KeyProvider
from portal.services import (
    accounts,
    agents,
    api_tokens,
    appearance,
    feature_flags,
    invoicing,
    login_sessions,
    notifications,
    reauthentication,
    rollout_steps,
    verification_runs,
)
from portal.services.money.handlers import MONEY_HANDLERS
from portal.services.settings import ChangeSetting, SettingChanges
from portal.services.two_factor import SecondFactor


def command_handlers(key_provider: KeyProvider, recovery_key: bytes) -> Mapping[type[Command], Handler]:
    """The handler of every command, those that need a key (the key provider, recovery codes') bound to it."""
    second_factor = SecondFactor(key_provider, recovery_key)
    return {
        **MONEY_HANDLERS,
        invoicing.CreateInvoice: invoicing.create_invoice,
        invoicing.EditDraftInvoice: invoicing.edit_invoice,
        invoicing.IssueInvoice: invoicing.issue_invoice,
        invoicing.VoidInvoice: invoicing.void_invoice,
        agents.CreateAgent: agents.create_agent,
        agents.UpdateAgent: agents.update_agent,
        agents.SetAgentStatus: agents.set_agent_status,
        accounts.CreateStaffUser: accounts.create_staff_user,
        accounts.CreateAgentLogin: accounts.create_agent_login,
        accounts.UpdateStaffUser: accounts.update_staff_user,
        accounts.ChangePassword: accounts.change_password,
        login_sessions.EndLoginSession: login_sessions.end_login_session,
        login_sessions.EndOtherLoginSessions: login_sessions.end_other_login_sessions,
        appearance.SaveAppearance: appearance.save_appearance,
        appearance.RevertAppearance: appearance.revert_appearance,
        notifications.MarkNotificationsRead: notifications.mark_read,
        api_tokens.CreateApiToken: api_tokens.create_api_token,
        api_tokens.RevokeApiToken: api_tokens.revoke_api_token,
        feature_flags.ChangeFlag: feature_flags.change_flag,
        feature_flags.TripKillSwitch: feature_flags.trip_kill_switch,
        verification_runs.RecordVerification: verification_runs.record_verification,
        rollout_steps.MoveRollout: rollout_steps.move_rollout,
        ChangeSetting: SettingChanges(key_provider),
        **second_factor.handlers(),
        reauthentication.Reauthenticate: reauthentication.Reauthentication(second_factor),
    }
