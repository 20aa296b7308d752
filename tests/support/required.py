"""A missing part skips outside CI and fails the run under CI=true."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def part_missing(part: str, how_to_get_it: str) -> None:
    message = f"{part} is not available: {how_to_get_it}"
    if IN_CI:
        pytest.fail(f"CI=true requires {message}", pytrace=False)
    pytest.skip(message)
