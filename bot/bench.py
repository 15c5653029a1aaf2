"""`make bench`: how fast the assistant answers, measured through the real stack.

Starts the Rasa server, the action server and a front end against our local Bot API
server, then simulates clients holding realistic conversations (questions and button
presses) and measures, per message, the time from the update reaching the Bot API to the
first reply arriving there. The same messages also go straight to Rasa's REST channel, so
our overhead shows as a ratio. Two load shapes: realistic (a message every 2-4 s per
client) and saturation (back to back).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.config import VAR
from bot.local_bot_api import LocalBotApi, PhoneMessage

QUESTIONS = [
    "wat zijn eigenlijk mijn rechten", "hoe maak ik bezwaar tegen een besluit",
    "ze willen mijn uitkering korten mag dat", "en hoe vraag ik dat aan",
    "mag ik iemand meenemen naar het gesprek", "wat doet de ombudsman",
    "kan ik zelf een re-integratiebedrijf kiezen", "wat als ze nee zeggen",
    "wat is een persoonsgebonden budget", "ik wil een andere klantmanager",
    "hoe werkt een klacht indienen", "top dankje",
]
TOKEN = "123:bench"  # the token start_frontend gives the front end named "bench"


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / (self.ended - self.started)

    def summary(self) -> dict[str, float]:
        by_kind = {kind: round(statistics.median(
            [lat for lat, k in zip(self.latencies, self.kinds, strict=True) if k == kind])
            * 1000, 1) for kind in set(self.kinds)}
        ordered = sorted(self.latencies)
        pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
        return {"messages": len(ordered), "p50_ms": round(pick(0.50), 1),
                "p95_ms": round(pick(0.95), 1), "p99_ms": round(pick(0.99), 1),
                "messages_per_s": round(self.rate, 1),
                **{f"p50_{kind}_ms": value for kind, value in sorted(by_kind.items())}}


class Clients:
    """Clients on phones, each waiting for the first reply to what it sent."""

    def __init__(self, api: LocalBotApi) -> None:
        self.api = api
        self.waiting: dict[int, tuple[float, asyncio.Future[PhoneMessage]]] = {}
        api.on_bot_message(self._arrived)

    def _arrived(self, event: str, message: PhoneMessage) -> None:
        if event != "new" or not message.from_bot:
            return  # a keyboard edited away is not the answer
        waiting = self.waiting.pop(message.chat_id, None)
        if waiting and not waiting[1].done():
            waiting[1].set_result(message)

    async def ask(self, chat_id: int, text: str,
                  last: PhoneMessage | None) -> tuple[float, str, PhoneMessage]:
        """Send a text (or press a button of the last reply); seconds until the reply."""
        future: asyncio.Future[PhoneMessage] = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        self.waiting[chat_id] = (started, future)
        kind = "text"
        if last is not None and last.buttons and random.random() < 0.3:
            kind = "button"
            await self.api.press_button(TOKEN, chat_id, last.message_id, last.buttons[0][1])
        else:
            await self.api.send_text(TOKEN, chat_id, text)
        reply = await asyncio.wait_for(future, 60)
        return time.perf_counter() - started, kind, reply


async def conversation(clients: Clients, chat_id: int, messages: int, pause: tuple[float, float],
                       run: Run) -> None:
    last = None
    await asyncio.sleep(random.uniform(*pause))  # people do not all start at the same moment
    for index in range(messages):
        latency, kind, last = await clients.ask(
            chat_id, QUESTIONS[(chat_id + index) % len(QUESTIONS)], last)
        run.latencies.append(latency)
        run.kinds.append(kind)
        await asyncio.sleep(0.5)  # the rest of a turn's messages arrive
        if pause[1]:
            await asyncio.sleep(random.uniform(*pause))


async def load(clients: Clients, count: int, messages: int, pause: tuple[float, float],
               first_chat: int) -> Run:
    run = Run(started=time.perf_counter())
    await asyncio.gather(*(conversation(clients, first_chat + n, messages, pause, run)
                           for n in range(count)))
    run.ended = time.perf_counter()
    return run


async def bare_rasa(rasa_url: str, count: int, messages: int) -> Run:
    """The same messages straight to Rasa's REST channel, back to back per client."""
    run = Run(started=time.perf_counter())
    async with httpx.AsyncClient(timeout=60) as http:
        async def client(n: int) -> None:
            for index in range(messages):
                started = time.perf_counter()
                await http.post(f"{rasa_url}/webhooks/rest/webhook", json={
                    "sender": f"bare-{run.started}-{n}",
                    "message": QUESTIONS[(n + index) % len(QUESTIONS)]})
                run.latencies.append(time.perf_counter() - started)
        await asyncio.gather(*(client(n) for n in range(count)))
    run.ended = time.perf_counter()
    return run


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def measure(args: argparse.Namespace) -> dict:
    from bot.launcher import start_engine, start_frontend
    from bot.store.migrate import upgrade
    from bot.training import ensure_model

    database = f"sqlite:///{VAR / 'bench.db'}"
    await asyncio.to_thread(upgrade, database)
    model = await asyncio.to_thread(ensure_model)
    os.environ["DATABASE_URL"] = database
    cold = time.perf_counter()
    engine = await asyncio.to_thread(start_engine, model, 5305, 5355, None)
    cold_start = time.perf_counter() - cold
    api = LocalBotApi()
    base = await api.start()
    rasa_url = "http://127.0.0.1:5305"
    frontend = await asyncio.to_thread(start_frontend, base, rasa_url, database, "bench")
    try:
        clients = Clients(api)
        realistic = await load(clients, args.clients, args.messages, (2.0, 4.0), 1_000)
        await asyncio.sleep(2)
        saturation = await load(clients, args.clients, args.messages, (0.0, 0.0), 2_000)
        bare = await bare_rasa(rasa_url, args.clients, args.messages)
        memory = {process.name: peak_memory_mb(process.process.pid)
                  for process in engine.processes}
        memory["frontend"] = peak_memory_mb(frontend.process.pid)
    finally:
        frontend.stop()
        await api.stop()
        engine.stop()
    return {"clients": args.clients, "messages_per_client": args.messages,
            "cold_start_s": round(cold_start, 1),
            "realistic": realistic.summary(), "saturation": saturation.summary(),
            "bare_rasa_rest": bare.summary(),
            "throughput_vs_bare_rasa": round(saturation.rate / bare.rate, 2),
            "added_latency_p50_ms": round(saturation.summary()["p50_ms"]
                                          - bare.summary()["p50_ms"], 1),
            "peak_memory_mb": memory}


def table(result: dict) -> str:
    rows = [f"{'load':<16}{'msgs':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'msg/s':>8}"]
    for name in ("realistic", "saturation", "bare_rasa_rest"):
        r = result[name]
        rows.append(f"{name:<16}{r['messages']:>6}{r['p50_ms']:>9}{r['p95_ms']:>9}"
                    f"{r['p99_ms']:>9}{r['messages_per_s']:>8}")
    rows += [f"throughput vs bare Rasa REST: {result['throughput_vs_bare_rasa']:.0%}",
             f"latency added over bare Rasa at p50: {result['added_latency_p50_ms']} ms",
             f"cold start (Rasa + action server up): {result['cold_start_s']} s",
             f"peak memory (MB): {result['peak_memory_mb']}"]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--messages", type=int, default=8, help="messages per client")
    args = parser.parse_args()
    result = asyncio.run(measure(args))
    out = VAR / "bench.json"
    out.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"\nAll figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
