"""`scripts/start` run where something already serves its port: it says so and stops
before touching anything, instead of failing after a success banner."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from tests.support.journey_service import start_environment, started
from tests.support.services import ROOT

pytestmark = pytest.mark.slow


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _start(redis_url: str, tmp: Path, port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts/start")], cwd=ROOT, env=start_environment(redis_url, tmp, port),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_second_start_on_a_serving_port_says_so(redis_url: str, tmp_path: Path) -> None:
    with _serving(_Healthy) as port:
        ran = _start(redis_url, tmp_path, port)
    assert ran.returncode == 0 and f"already answers at http://127.0.0.1:{port}" in ran.stderr
    assert not (tmp_path / "journey.db").exists()  # nothing migrated, nothing started


def test_a_port_taken_by_another_program_is_named(redis_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = _start(redis_url, tmp_path, port)
    assert ran.returncode == 1 and f"Port {port} is taken" in ran.stderr


def _sign_in(base: str) -> str:
    body = json.dumps({"email": "olivia@demo.peercet.test", "password": "olivia-demo-1"})
    request = urllib.request.Request(
        f"{base}/api/session", body.encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        cookie: str = answer.headers["Set-Cookie"].split(";", 1)[0]
    return cookie


def _me(base: str, cookie: str) -> int:
    request = urllib.request.Request(f"{base}/api/me", headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return int(answer.status)


def test_the_key_scripts_start_makes_is_kept_and_reused(redis_url: str, tmp_path: Path) -> None:
    """No SECRET_KEYS: the script makes one (only its owner may read it) and the next
    start signs with the same key, so a session survives the restart."""
    key_file = tmp_path / "keys" / "secret-key"
    with started(redis_url, tmp_path, key_file=key_file) as service:
        key = key_file.read_text()
        assert len(key.strip()) >= 40 and oct(key_file.stat().st_mode & 0o777) == "0o600"
        assert "made a signing key" in service.log.read_text()
        cookie = _sign_in(service.base)
    with started(redis_url, tmp_path, key_file=key_file) as again:
        assert key_file.read_text() == key
        assert "made a signing key" not in again.log.read_text()
        assert _me(again.base, cookie) == 200
