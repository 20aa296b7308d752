"""Verification runs and rollout steps inside a unit of work."""

from __future__ import annotations

from portal.models import RolloutStep, VerificationRun
from portal.repositories.base import Repository


class VerificationRunRepository(Repository[VerificationRun]):
    model = VerificationRun
    noun = "verification run"


class RolloutStepRepository(Repository[RolloutStep]):
    model = RolloutStep
    noun = "rollout step"
