"""Behind our own proxies: the client address, scheme and host they saw, and only a real address."""

from __future__ import annotations

import ipaddress
from typing import Any

from werkzeug.middleware.proxy_fix import ProxyFix


class _RealAddressOnly:
    """The address a proxy forwarded is kept only when it is an IP address; else the peer's own address is used.

    A proxy passes on what the client wrote when it is not the one appending the
    entry: a long or made-up value would otherwise become the address that rate
    limits key on and log-in sessions record.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        try:
            ipaddress.ip_address(environ.get("REMOTE_ADDR") or "")
        except ValueError:
            environ["REMOTE_ADDR"] = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
        return self.app(environ, start_response)


def behind_proxies(wsgi_app: Any, hops: int) -> Any:
    """``wsgi_app`` as it runs behind ``hops`` proxies we run ourselves (Werkzeug's ProxyFix)."""
    return ProxyFix(_RealAddressOnly(wsgi_app), x_for=hops, x_proto=hops, x_host=hops)
