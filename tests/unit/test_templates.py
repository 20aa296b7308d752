"""House rules for the templates, checked on every file: short lines, and no status rules in Jinja."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal import PROJECT_ROOT
from portal.dashboard.agent_tabs import AGENT_TABS
from portal.models.agent import AgentStatus
from portal.models.billing import InvoiceStatus, PaymentStatus
from portal.models.commission import CommissionStatus
from portal.models.wallet import PayoutStatus

TEMPLATES = PROJECT_ROOT / "templates"
MAX_LINE = 160
STATUS_VALUES = {str(status) for kind in (AgentStatus, InvoiceStatus, PaymentStatus, CommissionStatus, PayoutStatus)
                 for status in kind}  # fmt: skip
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
LITERAL = re.compile(r"""(?P<quote>['"])(?P<text>[^'"]*)(?P=quote)""")
STATUS_RULES = (
    re.compile(r"""status\s*(==|!=)\s*['"]"""),  # row.status == "paid"
    re.compile(r"""['"]\s*(==|!=)\s*[\w.]*status\b"""),  # "paid" == row.status
    re.compile(r"""status\s+(not\s+)?in\s*[\[\(]"""),  # row.status in ("paid", …)
)


def template_files() -> list[Path]:
    files = sorted(TEMPLATES.rglob("*.html"))
    assert len(files) > 40, "the templates were found"
    return files


def _name(path: Path) -> str:
    return str(path.relative_to(TEMPLATES))


@pytest.mark.parametrize("path", template_files(), ids=_name)
def test_no_template_line_is_longer_than_160_characters(path):
    long = [(number, len(line)) for number, line in enumerate(path.read_text().splitlines(), 1) if len(line) > MAX_LINE]
    assert not long, f"{_name(path)}: lines (number, length) over {MAX_LINE}: {long}"


@pytest.mark.parametrize("path", template_files(), ids=_name)
def test_no_template_compares_a_status_to_a_string(path):
    """Which statuses allow what is a property of the read row (``row.payable``), never a string in a template."""
    text = path.read_text()
    for pattern in STATUS_RULES:
        assert not pattern.search(text), f"{_name(path)}: {pattern.search(text).group(0)!r}"
    for code in JINJA.findall(text):
        statuses = [match["text"] for match in LITERAL.finditer(code) if match["text"] in STATUS_VALUES]
        assert not statuses, f"{_name(path)}: status literals {statuses} in {code!r}"


@pytest.mark.parametrize(
    "code",
    [
        '{% if row.status == "requested" %}',
        "{% if 'paid' != invoice.status %}",
        "{% if payout.status in ('approved', 'paid') %}",
        '{% for status in ["draft", "issued"] %}',
        "{{ url_for('dashboard.commissions', status='pending') }}",
    ],
)
def test_the_status_check_catches_the_usual_ways_of_writing_one(code):
    found = any(pattern.search(code) for pattern in STATUS_RULES) or any(
        match["text"] in STATUS_VALUES for part in JINJA.findall(code) for match in LITERAL.finditer(part)
    )
    assert found, code


def test_no_template_chooses_an_agent_tab_by_its_name():
    """Tabs come from ``portal.dashboard.agent_tabs``: one partial each, no ``tab == "…"`` branches."""
    for path in template_files():
        assert not re.search(r"""tab(\.name)?\s*==\s*['"]""", path.read_text()), _name(path)
    for tab in AGENT_TABS:
        assert (TEMPLATES / tab.partial).is_file(), tab.partial
    assert len({tab.name for tab in AGENT_TABS}) == len(AGENT_TABS)
