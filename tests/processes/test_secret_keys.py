"""No default secret (API.md, SECRET_KEYS): `web`, `worker` and the commands that sign
refuse to start without a key, saying how to make one."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from peercet.core.settings import MAKE_A_KEY, Settings, load_settings
from tests.support.live import procfile_command
from tests.support.services import free_port, run_peercet

pytestmark = pytest.mark.slow


def _without_keys(settings: Settings, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEYS"}
    return env | {"DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url,
                  "PORT": str(port)}  # fmt: skip


def test_settings_have_no_default_key() -> None:
    assert load_settings({}).secret_keys == []
    assert Settings().secret_keys == []
    assert load_settings({"SECRET_KEYS": " new , old "}).secret_keys == ["new", "old"]


@pytest.mark.parametrize("process", ["web", "worker"])
def test_web_and_worker_refuse_to_start_without_a_key(
    process: str, settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    ran = subprocess.run(
        procfile_command(process, port), env=_without_keys(settings, port), cwd=tmp_path,
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert ran.returncode != 0
    assert "SECRET_KEYS is not set" in ran.stderr
    assert MAKE_A_KEY in ran.stderr  # the exact command to make one


@pytest.mark.parametrize("command", [("deadlines", "run"), ("sweep",)])
def test_the_commands_that_sign_refuse_without_a_key(
    command: tuple[str, ...], settings: Settings
) -> None:
    result, stderr = run_peercet(
        settings.database_url, settings.redis_url, *command, ok=False, env={"SECRET_KEYS": ""}
    )
    assert result["error"]["code"] == "no_secret_keys"
    assert MAKE_A_KEY in stderr


def test_an_upload_run_signs_nothing_and_needs_no_key(settings: Settings) -> None:
    result, _ = run_peercet(
        settings.database_url, settings.redis_url, "upload", "run", env={
            "SECRET_KEYS": "", "UPLOAD_DIR": str(settings.upload_dir)
        },
    )  # fmt: skip
    assert result == {"file": None, "rows": 0}
