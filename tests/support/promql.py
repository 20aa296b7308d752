"""Reading PromQL out of the Grafana dashboard: its expressions, and the vector selectors inside them.

The unit tests use this to check the dashboard without Prometheus (metric names, no ``sum`` of a database
gauge); the live test asks a running Prometheus for every selector and fails on one that finds no series.

This is a tokenizer, not a parser: it knows enough PromQL to tell a metric from a function, an aggregation,
a keyword, a label list (``by (...)``, ``on (...)``), a duration, a number and a string, which is all a
selector check needs. It raises ``ValueError`` on a character PromQL does not have (an unsubstituted
Grafana variable outside a string or a range, for instance) rather than guess.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: What each Grafana variable stands for when the dashboard's expressions are sent to Prometheus by hand.
GRAFANA_VARIABLES = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__range": "5m",
    "instance": ".*",
}

AGGREGATIONS = frozenset(
    {"sum", "max", "min", "avg", "count", "topk", "bottomk", "quantile", "stddev", "stdvar", "count_values", "group"}
)
#: Keywords followed by a list of label names, not of expressions.
LABEL_LIST_KEYWORDS = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
KEYWORDS = frozenset({"bool", "offset", "and", "or", "unless", "atan2", "inf", "nan"})

_STRING = r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`"""
_TOKEN = re.compile(
    rf"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n]*)
    | (?P<string>{_STRING})
    | (?P<duration>(?:\d+(?:ms|[smhdwy]))+)(?![\w:])
    | (?P<number>0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<identifier>[A-Za-z_:][A-Za-z0-9_:]*)
    | (?P<matchers>\{{(?:[^}}"'`]|{_STRING})*\}})
    | (?P<range>\[[^\]]*\])
    | (?P<open>\()
    | (?P<close>\))
    | (?P<comma>,)
    | (?P<operator>==|!=|>=|<=|[-+*/%^<>@])
    """,
    re.VERBOSE,
)
_GRAFANA_VARIABLE = re.compile(r"\$(?:\{(?P<braced>\w+)(?::\w+)?\}|(?P<bare>\w+))")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


def _tokens(expr: str) -> list[_Token]:
    """The expression's tokens, spaces and comments left out."""
    tokens: list[_Token] = []
    position = depth = 0
    while position < len(expr):
        match = _TOKEN.match(expr, position)
        if match is None:
            raise ValueError(f"not PromQL at {position}: {expr[position : position + 20]!r} in {expr!r}")
        kind = match.lastgroup
        assert kind is not None
        depth += {"open": 1, "close": -1}.get(kind, 0)
        if depth < 0:
            raise ValueError(f"unbalanced parentheses in {expr!r}")
        if kind not in ("space", "comment"):
            tokens.append(_Token(kind, match.group(), match.start(), match.end()))
        position = match.end()
    if depth:
        raise ValueError(f"unbalanced parentheses in {expr!r}")
    return tokens


def _closing(tokens: list[_Token], opening: int) -> int:
    """The index of the parenthesis that closes the one at ``opening``."""
    depth = 0
    for index in range(opening, len(tokens)):
        if tokens[index].kind == "open":
            depth += 1
        elif tokens[index].kind == "close":
            depth -= 1
            if depth == 0:
                return index
    raise AssertionError("_tokens checked the parentheses balance")


def _is(tokens: list[_Token], index: int, kind: str) -> bool:
    return index < len(tokens) and tokens[index].kind == kind


def _selectors(tokens: list[_Token]) -> Iterator[str]:
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.kind == "matchers":  # {__name__="..."}: a selector without a metric name in front
            yield token.text
        if token.kind != "identifier":
            continue
        word = token.text.lower()
        if word in LABEL_LIST_KEYWORDS:
            if _is(tokens, index, "open"):
                index = _closing(tokens, index) + 1
        elif word in KEYWORDS or word in AGGREGATIONS or _is(tokens, index, "open"):
            continue  # the arguments of a function or an aggregation are read like the rest
        elif _is(tokens, index, "matchers"):
            yield token.text + tokens[index].text
            index += 1
        else:
            yield token.text


def vector_selectors(expr: str) -> list[str]:
    """Every vector selector in ``expr``, as a PromQL expression of its own, in order and without repeats.

    ``rate(portal_money_commands_total{outcome="failed"}[5m]) / ignoring(outcome) up`` gives
    ``['portal_money_commands_total{outcome="failed"}', 'up']``: range, offset and the rest left out.
    """
    return list(dict.fromkeys(_selectors(_tokens(expr))))


def aggregated_selectors(expr: str, aggregation: str) -> list[str]:
    """The vector selectors inside the argument of each ``aggregation`` (``sum``, ``max``...) in ``expr``."""
    tokens = _tokens(expr)
    found: list[str] = []
    for index, token in enumerate(tokens):
        if token.kind != "identifier" or token.text.lower() != aggregation:
            continue
        argument = index + 1
        if argument < len(tokens) and tokens[argument].text.lower() in ("by", "without"):
            if not _is(tokens, argument + 1, "open"):
                continue
            argument = _closing(tokens, argument + 1) + 1
        if not _is(tokens, argument, "open"):
            continue  # a metric that happens to be called like the aggregation
        inside = expr[tokens[argument].end : tokens[_closing(tokens, argument)].start]
        found.extend(vector_selectors(inside))
    return list(dict.fromkeys(found))


def substitute_grafana_variables(expr: str) -> str:
    """``expr`` as Prometheus would receive it from the dashboard; an unknown variable is an error."""

    def value(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("bare")
        if name not in GRAFANA_VARIABLES:
            raise ValueError(f"no stand-in value for Grafana variable ${name}: add it to GRAFANA_VARIABLES")
        return GRAFANA_VARIABLES[name]

    return _GRAFANA_VARIABLE.sub(value, expr)


def dashboard_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel of the dashboard, rows included, and the panels folded inside collapsed rows."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def dashboard_expressions(path: str | Path) -> list[tuple[str, str]]:
    """(panel title, expression) for every query of the dashboard at ``path``, Grafana variables substituted."""
    dashboard = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        (panel.get("title", ""), substitute_grafana_variables(target["expr"]))
        for panel in dashboard_panels(dashboard)
        for target in panel.get("targets", [])
        if target.get("expr", "").strip()
    ]
