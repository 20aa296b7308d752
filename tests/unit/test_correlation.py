import pytest

from portal.observability.correlation import (
    bind_correlation_id,
    current_correlation_id,
    is_valid_correlation_id,
)


@pytest.mark.parametrize("value", ["abcdef12", "req-2026.11.28:0001", "A" * 128])
def test_well_formed_ids_are_kept(value):
    assert is_valid_correlation_id(value)
    assert bind_correlation_id(value) == value
    assert current_correlation_id() == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "short",
        "A" * 129,
        "has space in it",
        "<script>alert(1)</script>",
        "abc\ndef123",
        "-leading-dash",
    ],
)
def test_malformed_ids_are_replaced_by_a_new_one(value):
    bound = bind_correlation_id(value)
    assert bound != value
    assert is_valid_correlation_id(bound)
