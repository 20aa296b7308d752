"""A browser's ``User-Agent`` in words a person recognises: "Firefox on Windows", "Safari on iPhone".

Only to help someone tell their own sessions apart, never to decide anything: the header is whatever the client
chose to send. The order of the checks matters, because browsers borrow each other's names (Edge and Opera say
"Chrome", Chrome says "Safari", Android says "Linux"); a header none of them matches reads as "Unknown browser".
"""

from __future__ import annotations

#: (token in the header, name), the most specific first
BROWSERS = (
    ("Edg/", "Edge"), ("EdgA/", "Edge"), ("EdgiOS/", "Edge"), ("Edge/", "Edge"),
    ("OPR/", "Opera"), ("Opera", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
    ("Chromium/", "Chromium"), ("CriOS/", "Chrome"), ("Chrome/", "Chrome"),
    ("Version/", "Safari"),
    ("curl/", "curl"), ("python-requests/", "Python requests"), ("Wget/", "Wget"),
)  # fmt: skip
#: (token in the header, system), the most specific first
SYSTEMS = (
    ("iPhone", "iPhone"), ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"), ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)  # fmt: skip
UNKNOWN = "Unknown browser"


def _first(header: str, names: tuple[tuple[str, str], ...]) -> str | None:
    return next((name for token, name in names if token in header), None)


def browser_in_words(user_agent: str | None) -> str:
    """What ``user_agent`` says of the browser and its system, in words; "Unknown browser" when it says neither."""
    header = user_agent or ""
    browser = _first(header, BROWSERS)
    if browser == "Safari" and "Safari/" not in header:
        browser = None
    system = _first(header, SYSTEMS)
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    return f"A browser on {system}" if system else UNKNOWN
