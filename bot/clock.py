"""The time, for everything that schedules (reminders, retention).

Tests move time forward by writing an ISO datetime into the file named by CLOCK_FILE;
without it this is simply the current time.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path


def now() -> datetime:
    if path := os.environ.get("CLOCK_FILE"):
        file = Path(path)
        if file.exists() and (text := file.read_text().strip()):
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A datetime from the store, made aware: SQLite hands them back without a zone, and
    they are stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
