"""What the route fuzz test needs: the pages and forms a role can reach, and junk to send them.

The targets are found the way a person finds them: by following every link and
reading every form of the pages a logged-in role can reach, so a route added
later is fuzzed without anyone listing it here.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

from hypothesis import strategies as st

#: Query parameters the pages read, tried on every page whether or not a link carries them.
KNOWN_PARAMETERS = (
    "page", "q", "status", "sort", "dir", "kind", "tab", "from", "to", "currency", "agent",
    "entity_type", "entity_id", "actor", "action", "correlation_id", "since", "until", "next",
)  # fmt: skip
#: Not fuzzed: ending the session would end the crawl's log-in; pausing money (the kill switch, whose 503s are
#: its purpose) would make every later money form answer 503, and is tested on its own (test_kill_switch.py).
SKIPPED_ACTIONS = ("/logout", "/dashboard/flags/financial_orchestrator/switch")


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Site:
    pages: set[str] = field(default_factory=set)
    forms: dict[tuple[str, str, tuple[str, ...]], Form] = field(default_factory=dict)


class _Reader(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        elif tag == "form":
            self._form = Form(values.get("method", "get").lower(), values.get("action") or self.page)
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select") and values.get("name"):
            if values.get("type") in ("submit", "button", "file"):
                return
            if values.get("type") == "checkbox" and "checked" not in values:
                self._form.fields.setdefault(values["name"], "")
                return
            self._form.fields[values["name"]] = values.get("value") or ""
        elif self._form is not None and tag == "textarea" and values.get("name"):
            self._textarea = values["name"]
            self._form.fields[values["name"]] = ""

    def handle_data(self, data) -> None:
        if self._form is not None and self._textarea:
            self._form.fields[self._textarea] += data

    def handle_endtag(self, tag) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None


def _local(href: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("/static/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def route_urls(app, ids: dict[str, object]) -> list[str]:
    """A URL for every GET route, its path parameters filled from ``ids`` (a route nobody links is fuzzed too)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids.get(m.group(1), 1)), rule.rule))
    return sorted(urls)


def crawl(client, start: str, limit: int = 250, also: list[str] | None = None) -> Site:
    """Every page reachable by links from ``start`` (and ``also``), up to ``limit``, and every form on them."""
    site, queue = Site(), deque([start, *(also or [])])
    while queue and len(site.pages) < limit:
        url = queue.popleft()
        if url in site.pages:
            continue
        response = client.get(url)
        site.pages.add(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        reader = _Reader(urlsplit(url).path)
        reader.feed(response.get_data(as_text=True))
        for href in reader.links:
            target = _local(href)
            if target and target not in site.pages and not target.startswith(SKIPPED_ACTIONS):
                queue.append(target)
        for form in reader.forms:
            if form.action.startswith(SKIPPED_ACTIONS):
                continue
            site.forms.setdefault((form.method, form.action, tuple(sorted(form.fields))), form)
    return site


def with_parameters(url: str, values: dict[str, str]) -> str:
    """``url`` with ``values`` in its query, replacing those it carries; the query is parsed and encoded once
    (setting one parameter at a time re-parsed the junk already added, quadratic in long percent-encoded text)."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(values)
    return parts.path + "?" + urlencode(query)


def parameters_of(url: str) -> list[str]:
    found = [name for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True)]
    return sorted({*found, *KNOWN_PARAMETERS})


_DIGITS = "0123456789"
#: Junk a person or an attacker might send: numbers past every limit, control, bidi and foreign characters,
#: very long text, wrong types, edge dates, injection attempts. One strategy per class of junk, so that a target's
#: rounds can each take another class (a random choice from one pool may give a target three of the same kind).
JUNK_CLASSES = (
    st.sampled_from(["", " ", "0", "-1", "-0", "1e309", "NaN", "sNaN", "Infinity", "²", "١٢٣", "１２", "9" * 40,
                     str(2**31), str(2**63), str(2**64), "9999-12-31", "0001-01-05", "2024-02-30", "1,5", "12,5",
                     "\x00", "a\x00b", "\r\nSet-Cookie: x=1", "‮evil", "\u202e\u2066", "<script>alert(1)</script>",
                     "' OR 1=1 --", "{{7*7}}", "%00", "../../etc/passwd", "//evil.example", "true", "[]", "{}"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(min_size=1, max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=2000),
    st.text(alphabet=_DIGITS + ".,- ", min_size=1, max_size=30),
)  # fmt: skip
JUNK = st.one_of(*JUNK_CLASSES)


def key_like(name: str) -> bool:
    return name in ("csrf_token", "idempotency_key")


HIDDEN_ID = re.compile(r"^[0-9]+$")
