"""Every page a role can reach, found by following its links, and what each page is checked for.

A page is a distinct path (ids folded: ``/dashboard/agents/3`` and ``/7`` are one page) plus its ``tab``; pagination,
sorting and filter variants are the same layout and are not visited again. Downloads (CSV, PDF, images, the
stylesheet) and anything outside the role's area are left alone. Only GET requests are made: the crawl changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from playwright.sync_api import Page

WIDTHS = (360, 768, 1280)
AXE_WIDTHS = (360, 1280)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_SOURCE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
PAGE_KEYS = ("tab",)
NOT_PAGES = re.compile(r"(\.csv|\.pdf|\.css|\.json|/logo/\d+|/export\b|/exports?/|/download|/badge|/metrics|/healthz)")
MAX_PAGES = 100


@dataclass
class Finding:
    url: str
    width: int
    problem: str


@dataclass
class CrawlReport:
    visited: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def describe(self) -> str:
        return "\n".join(f"{item.url} at {item.width}px: {item.problem}" for item in self.findings)


def page_key(url: str) -> str:
    """``/dashboard/agents/12?tab=ledger&page=3`` → ``/dashboard/agents/#?tab=ledger``."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/#", parts.path)
    kept = [(key, value) for key, value in parse_qsl(parts.query) if key in PAGE_KEYS]
    return path + (f"?{urlencode(sorted(kept))}" if kept else "")


def _links(page: Page, origin: str, area: str) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map(link => link.href.split('#')[0])"
    )
    return [href for href in hrefs if href.startswith(origin + area) and not NOT_PAGES.search(urlsplit(href).path)]


def _overflow(page: Page) -> str | None:
    widths = page.evaluate("() => ({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    if widths["scroll"] <= widths["inner"]:
        return None
    culprits = page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > "
        "window.innerWidth + 1 && !e.closest('.table-scroll, .visually-hidden')).slice(0, 3)"
        ".map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + "
        "e.className.split(' ').join('.') : ''))"
    )
    return f"scrollWidth {widths['scroll']} > innerWidth {widths['inner']} (widest: {', '.join(culprits)})"


def _navigation_wraps(page: Page) -> str | None:
    """On a wide screen the navigation is one line: every link's top edge at the same height."""
    tops = page.eval_on_selector_all(
        "nav.site-nav a", "links => [...new Set(links.map(link => Math.round(link.getBoundingClientRect().top)))]"
    )
    return f"the navigation wraps onto {len(tops)} lines" if len(tops) > 1 else None


def _axe_violations(page: Page) -> list[str]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — ' + "
        "v.nodes.slice(0, 2).map(n => n.target.join(' ')).join('; ')))",
        AXE_TAGS,
    )
    return list(result)


def check_every_page(
    page: Page,
    start: str,
    origin: str,
    area: str,
    role: str,
    screenshots: Path,
    expected_status: int = 200,
    detail_instances: int = 1,
) -> CrawlReport:
    """Visit every page reachable from ``start``; at each width record overflow, at two widths axe's violations.

    A detail page (``…/#``) is visited for up to ``detail_instances`` of its records, since what it offers depends on
    the record's state (an issued invoice can be voided, a paid one's payments refunded); every other page once.
    The further records of a page are the same layout with other sections: axe scans them on the phone only.
    """
    report = CrawlReport()
    queue = [origin + start]
    queued = {page_key(queue[0]): [urlsplit(queue[0]).path]}
    while queue and len(report.visited) < MAX_PAGES:
        url = queue.pop(0)
        first_record = queued[page_key(url)][0] == urlsplit(url).path
        page.set_viewport_size({"width": WIDTHS[-1], "height": 900})
        response = page.goto(url)
        status = response.status if response else 0
        report.visited.append(page_key(url))
        if status != expected_status:
            report.findings.append(Finding(url, WIDTHS[-1], f"answered {status}"))
            continue
        for link in _links(page, origin, area):
            key, path = page_key(link), urlsplit(link).path
            paths = queued.setdefault(key, [])
            if path not in paths and len(paths) < (detail_instances if key.endswith("/#") else 1):
                paths.append(path)
                queue.append(link)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            problem = _overflow(page)
            if problem:
                report.findings.append(Finding(url, width, problem))
            name = re.sub(r"[^a-z0-9]+", "-", urlsplit(url).path.lower() + page_key(url).partition("?")[2]).strip("-")
            page.screenshot(path=screenshots / f"{role}-{name}-{width}.jpeg", type="jpeg", quality=55)
            wrapped = _navigation_wraps(page) if width == WIDTHS[-1] else None
            if wrapped:
                report.findings.append(Finding(url, width, wrapped))
            if width in AXE_WIDTHS and (first_record or width == AXE_WIDTHS[0]):
                report.findings.extend(Finding(url, width, f"axe {line}") for line in _axe_violations(page))
    return report
