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
REALISTIC = (2.0, 4.0)  # seconds between a reply and the next message, as people type
SATURATION = (0.0, 0.0)  # back to back
TURN_QUIET_S = 0.06
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
        self.last_arrival: dict[int, float] = {}
        api.on_bot_message(self._arrived)

    def _arrived(self, event: str, message: PhoneMessage) -> None:
        if event != "new" or not message.from_bot:
            return  # a keyboard edited away is not the answer
        self.last_arrival[message.chat_id] = time.perf_counter()
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
        if last is not None and last.buttons and press_button(chat_id):
            kind = "button"
            await self.api.press_button(TOKEN, chat_id, last.message_id, last.buttons[0][1])
        else:
            await self.api.send_text(TOKEN, chat_id, text)
        reply = await asyncio.wait_for(future, 60)
        latency = time.perf_counter() - started
        await self.turn_complete(chat_id)
        return latency, kind, self.newest(chat_id) or reply

    async def turn_complete(self, chat_id: int) -> None:
        """A turn can be several messages: wait until none arrived for a moment."""
        while time.perf_counter() - self.last_arrival.get(chat_id, 0) < TURN_QUIET_S:
            await asyncio.sleep(TURN_QUIET_S / 3)

    def newest(self, chat_id: int) -> PhoneMessage | None:
        chat = self.api.chats.get(chat_id, [])
        return next((m for m in reversed(chat) if m.from_bot), None)


def press_button(chat_id: int) -> bool:
    """About a third of the turns press a button; the same turns in both runs."""
    return random.Random(chat_id).random() < 0.3


async def conversation(clients: Clients, chat_id: int, messages: int, pause: tuple[float, float],
                       run: Run) -> None:
    last = None
    await asyncio.sleep(random.uniform(*pause))  # people do not all start at the same moment
    for index in range(messages):
        latency, kind, last = await clients.ask(
            chat_id, QUESTIONS[(chat_id + index) % len(QUESTIONS)], last)
        run.latencies.append(latency)
        run.kinds.append(kind)
        if pause[1]:
            await asyncio.sleep(random.uniform(*pause))


async def load(clients: Clients, count: int, messages: int, pause: tuple[float, float],
               first_chat: int) -> Run:
    run = Run(started=time.perf_counter())
    await asyncio.gather(*(conversation(clients, first_chat + n, messages, pause, run)
                           for n in range(count)))
    run.ended = time.perf_counter()
    return run


async def bare_rasa(rasa_urls: list[str], count: int, messages: int,
                    pause: tuple[float, float], first_chat: int) -> Run:
    """The same conversations straight to Rasa's REST channel: the same texts, the same
    button presses (their payloads) and the same pacing, each client on the replica the
    front end would pick."""
    run = Run(started=time.perf_counter())
    async with httpx.AsyncClient(timeout=60) as http:
        async def client(chat_id: int) -> None:
            rasa_url = rasa_urls[chat_id % len(rasa_urls)]
            buttons: list[dict] = []
            await asyncio.sleep(random.uniform(*pause))
            for index in range(messages):
                kind, text = "text", QUESTIONS[(chat_id + index) % len(QUESTIONS)]
                if buttons and press_button(chat_id):
                    kind, text = "button", buttons[0]["payload"]
                started = time.perf_counter()
                response = await http.post(f"{rasa_url}/webhooks/rest/webhook", json={
                    "sender": f"bare-{run.started}-{chat_id}", "message": text})
                run.latencies.append(time.perf_counter() - started)
                run.kinds.append(kind)
                replies = response.json() or [{}]
                buttons = replies[-1].get("buttons") or []
                if pause[1]:
                    await asyncio.sleep(random.uniform(*pause))
        await asyncio.gather(*(client(first_chat + n) for n in range(count)))
    run.ended = time.perf_counter()
    return run


async def burst(api: LocalBotApi, count: int, first_chat: int) -> dict:
    """Many clients at the same moment: python-telegram-bot's rate limiter keeps the bot
    under Telegram's limit (about 30 messages a second); every answer must still arrive."""
    chats = range(first_chat, first_chat + count)
    sent_before = len(api.calls)
    started = time.monotonic()
    await asyncio.gather(*(api.send_text(TOKEN, chat, "wat zijn eigenlijk mijn rechten")
                           for chat in chats))

    def answered() -> bool:
        return all(any(m.from_bot for m in api.chats.get(chat, [])) for chat in chats)

    complete = await api.wait_until(answered, 120)
    await asyncio.sleep(2)  # the rest of every turn
    sends = [call.at for call in api.calls[sent_before:]
             if call.method in ("sendMessage", "sendPhoto", "sendDocument")]
    per_second: dict[int, int] = {}
    for at in sends:
        per_second[int(at - started)] = per_second.get(int(at - started), 0) + 1
    return {"clients": count, "all_answered": complete, "messages_sent": len(sends),
            "seconds_to_last_message": round(max(sends) - started, 1) if sends else None,
            "most_messages_in_one_second": max(per_second.values(), default=0)}


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


async def measure(args: argparse.Namespace) -> dict:
    from bot.training import ensure_model

    model = await asyncio.to_thread(ensure_model)
    training = await asyncio.to_thread(training_seconds) if args.train else None
    result = await measure_setups(args, model)
    result["training_s"] = training
    return result


def training_seconds() -> float:
    """One training run from scratch, into a scratch folder (the model cache stays)."""
    import tempfile

    from bot.training import train

    with tempfile.TemporaryDirectory() as scratch:
        return round(train(Path(scratch) / "model-bench.tar.gz"), 1)


async def measure_setups(args: argparse.Namespace, model: Path) -> dict:
    from bot.store.migrate import upgrade

    if not args.replicas:
        database = f"sqlite:///{VAR / 'bench.db'}"
        await asyncio.to_thread(upgrade, database)
        return await measure_setup(args, model, database, replicas=1, redis_url=None)
    results = {}
    for count in args.replicas:
        database = await asyncio.to_thread(fresh_postgres_database, args.postgres)
        try:
            results[f"replicas_{count}"] = await measure_setup(args, model, database, count,
                                                               args.redis)
        finally:
            await asyncio.to_thread(drop_postgres_database, args.postgres, database)
    return {"scaled": results}


async def measure_setup(args: argparse.Namespace, model: Path, database: str, replicas: int,
                        redis_url: str | None) -> dict:
    from bot.launcher import start_frontend, start_replicas
    from bot.store.migrate import upgrade

    await asyncio.to_thread(upgrade, database)
    os.environ["DATABASE_URL"] = database
    timings_dir = VAR / "run" / f"timings-{replicas}-{int(time.time())}"
    os.environ["BENCH_TIMINGS_DIR"] = str(timings_dir)
    tracker = database if database.startswith("postgresql") else None
    cold = time.perf_counter()
    engine = await asyncio.to_thread(
        start_replicas, model, [5305 + n for n in range(replicas)],
        [5355 + n for n in range(replicas)], tracker, redis_url, {"DATABASE_URL": database})
    cold_start = time.perf_counter() - cold
    api = LocalBotApi()
    base = await api.start()
    # saturation sends back to back, far beyond a person's pace: no flood limit for it
    frontend = await asyncio.to_thread(start_frontend, base, ",".join(engine.rasa_urls),
                                       database, "bench", FLOOD_MAX_MESSAGES="0")
    try:
        clients = Clients(api)
        realistic = await load(clients, args.clients, args.messages, REALISTIC, 1_000)
        bare_realistic = await bare_rasa(engine.rasa_urls, args.clients, args.messages,
                                         REALISTIC, 1_000)
        saturation = await load(clients, args.clients, args.messages, SATURATION, 2_000)
        bare = await bare_rasa(engine.rasa_urls, args.clients, args.messages, SATURATION,
                               2_000)
        bursting = await burst(api, args.burst, 3_000)
        memory = {f"{process.name}:{process.url.rsplit(':', 1)[1]}":
                  peak_memory_mb(process.process.pid) for process in engine.processes}
        memory["frontend"] = peak_memory_mb(frontend.process.pid)
    finally:
        frontend.stop()
        await api.stop()
        engine.stop()
    through_frontend = len(realistic.latencies) + len(saturation.latencies)
    stages = stage_report(timings_dir, through_frontend,
                          through_frontend + len(bare.latencies) + len(bare_realistic.latencies))
    return {"clients": args.clients, "messages_per_client": args.messages,
            "stages_ms_per_message": stages,
            "replicas": replicas, "store": database.split(":", 1)[0],
            "cold_start_s": round(cold_start, 1),
            "realistic": realistic.summary(), "bare_realistic": bare_realistic.summary(),
            "saturation": saturation.summary(), "bare_saturation": bare.summary(),
            "burst": bursting,
            "throughput_vs_bare_rasa": round(saturation.rate / bare.rate, 2),
            "added_latency_p50_ms": round(realistic.summary()["p50_ms"]
                                          - bare_realistic.summary()["p50_ms"], 1),
            "peak_memory_mb": memory}


def stage_report(directory: Path, frontend_messages: int, rasa_messages: int) -> dict:
    """Milliseconds per message in each stage, from the totals the processes wrote.
    Actions and NLG serve every message Rasa handled (the bare runs too); Rasa's own share
    is what the front end waited for Rasa minus what Rasa waited for actions and NLG."""
    totals: dict[str, float] = {}
    for path in directory.glob("*.json"):
        for stage, value in json.loads(path.read_text()).items():
            totals[stage] = totals.get(stage, 0.0) + value["seconds"]

    def per(stage: str, messages: int) -> float:
        return round(totals.get(stage, 0.0) * 1000 / max(messages, 1), 1)

    actions, nlg = per("actions", rasa_messages), per("nlg", rasa_messages)
    rasa = per("rasa", frontend_messages)
    return {"frontend_total": per("frontend_update", frontend_messages),
            "waiting_for_rasa": rasa, "rasa_own": round(rasa - actions - nlg, 1),
            "actions": actions, "nlg": nlg, "store": per("store", frontend_messages),
            "telegram_send": per("telegram_send", frontend_messages)}


def fresh_postgres_database(server: str) -> str:
    from sqlalchemy import create_engine, text

    name = f"bench_{int(time.time())}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'create database "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def drop_postgres_database(server: str, database: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'drop database "{database.rsplit("/", 1)[1]}" with (force)'))
    admin.dispose()


def table(result: dict) -> str:
    training = (f"training from scratch: {result['training_s']} s\n"
                if result.get("training_s") else "")
    if "scaled" in result:
        parts = [f"-- {name.replace('_', ' ')} (PostgreSQL + Redis) --\n{table(one)}"
                 for name, one in result["scaled"].items()]
        rates = [one["saturation"]["messages_per_s"] for one in result["scaled"].values()]
        if len(rates) > 1:
            parts.append(f"saturation throughput, last vs first setup: "
                         f"{rates[-1] / rates[0]:.2f}x")
        return training + "\n\n".join(parts)
    rows = [f"{'load':<16}{'msgs':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'msg/s':>8}"]
    for name in ("realistic", "bare_realistic", "saturation", "bare_saturation"):
        r = result[name]
        rows.append(f"{name:<16}{r['messages']:>6}{r['p50_ms']:>9}{r['p95_ms']:>9}"
                    f"{r['p99_ms']:>9}{r['messages_per_s']:>8}")
    rows += [f"throughput vs bare Rasa REST: {result['throughput_vs_bare_rasa']:.0%}",
             f"latency added over bare Rasa at p50 (realistic load): "
             f"{result['added_latency_p50_ms']} ms",
             f"cold start (Rasa + action server up): {result['cold_start_s']} s",
             "burst of {clients} clients at once: all answered {all_answered}, "
             "{messages_sent} messages in {seconds_to_last_message} s, at most "
             "{most_messages_in_one_second} in one second".format(**result["burst"]),
             f"peak memory (MB): {result['peak_memory_mb']}",
             "ms per message by stage: " + ", ".join(
                 f"{k} {v}" for k, v in result["stages_ms_per_message"].items())]
    return training + "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.bench")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--messages", type=int, default=8, help="messages per client")
    parser.add_argument("--no-train", dest="train", action="store_false",
                        help="skip timing a training run from scratch")
    parser.add_argument("--burst", type=int, default=60,
                        help="clients sending one message at the same moment")
    parser.add_argument("--replicas", type=lambda v: [int(n) for n in v.split(",")],
                        default=[], help="e.g. 1,2: the scaled setup (PostgreSQL tracker "
                        "and app store, Redis lock store) with that many Rasa replicas each")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args()
    result = asyncio.run(measure(args))
    out = VAR / "bench.json"
    out.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"\nAll figures: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
