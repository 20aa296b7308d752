"""API tokens inside a unit of work."""

from __future__ import annotations

from portal.models.api_token import ApiToken
from portal.repositories.base import Repository


class ApiTokenRepository(Repository[ApiToken]):
    model = ApiToken
    noun = "API token"
