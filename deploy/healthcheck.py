"""Health check of the app image (Dockerfile HEALTHCHECK, docker-compose.yml).

    python /app/deploy/healthcheck.py actions    the action server answers GET /health
    python /app/deploy/healthcheck.py frontend   the webhook server answers over HTTP
    python /app/deploy/healthcheck.py            the role is read from the container's command

Exits 0 when healthy, 1 when not. Standard library only, so it is quick to start.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

TIMEOUT = 4


def role_from_command(cmdline: Path = Path("/proc/1/cmdline")) -> str:
    try:
        words = cmdline.read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return "unknown"
    if any(word.endswith("serve_actions.py") or word == "actions" for word in words):
        return "actions"
    if "frontend" in words:
        return "frontend"
    return "unknown"


def answers(url: str, any_status: bool = False) -> bool:
    """True if the URL answers 2xx (or, with any_status, answers over HTTP at all)."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
            return 200 <= response.status < 300
    except urllib.error.HTTPError:
        return any_status
    except OSError:
        return False


def healthy(role: str) -> bool:
    if role == "actions":
        port = os.environ.get("ACTION_SERVER_PORT", "5055")
        return answers(f"http://127.0.0.1:{port}/health")
    if role == "frontend":
        if not os.environ.get("TELEGRAM_WEBHOOK_URL"):
            return True  # polling: no port to ask; when the process dies the container stops
        # PTB's webhook server serves only the webhook path: any HTTP answer means it is up
        port = os.environ.get("TELEGRAM_WEBHOOK_PORT", "8443")
        return answers(f"http://127.0.0.1:{port}/", any_status=True)
    return True  # a one-off command (rotate-keys, check): nothing to ask


if __name__ == "__main__":
    sys.exit(0 if healthy(sys.argv[1] if len(sys.argv) > 1 else role_from_command()) else 1)
