"""A real OpenBao (Vault-compatible) dev server for the key provider tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hvac
import requests

ROOT_TOKEN = "portal-test-root-token"


def bao_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "bao"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("bao") or shutil.which("vault")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DevServer:
    """``bao server -dev`` on a free port, with the transit engine enabled."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = _free_port()
        self.address = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="openbao-", suffix=".log", delete=False)  # noqa: SIM115
        self.process: subprocess.Popen | None = None

    def start(self) -> DevServer:
        self.process = subprocess.Popen(
            [
                self.binary, "server", "-dev", f"-dev-root-token-id={ROOT_TOKEN}",
                f"-dev-listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.client().sys.is_initialized():
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            self.stop()
            raise RuntimeError(f"OpenBao did not start; see {self.log.name}")
        self.client().sys.enable_secrets_engine("transit", path="transit")
        return self

    def client(self) -> hvac.Client:
        return hvac.Client(url=self.address, token=ROOT_TOKEN, timeout=5)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
