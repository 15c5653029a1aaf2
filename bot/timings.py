"""Where the time goes, per stage, for `make bench`: each process adds up the seconds it
spends in its stages and, when BENCH_TIMINGS_DIR is set, writes them there as it stops.

Only sums and counts: cheap enough to stay on, and nothing about any client.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])


def add(stage: str, seconds: float) -> None:
    total = _totals[stage]
    total[0] += seconds
    total[1] += 1


@contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        add(name, time.perf_counter() - started)


def snapshot() -> dict[str, dict[str, float]]:
    return {name: {"seconds": round(total, 4), "count": int(count)}
            for name, (total, count) in sorted(_totals.items())}


def dump(role: str) -> None:
    """Write this process's totals to BENCH_TIMINGS_DIR/<role>-<pid>.json, if set."""
    if directory := os.environ.get("BENCH_TIMINGS_DIR"):
        path = Path(directory) / f"{role}-{os.getpid()}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(snapshot()))
