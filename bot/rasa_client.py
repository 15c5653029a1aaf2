"""Talks to Rasa's REST channel over one pooled HTTP client.

With several Rasa replicas, a conversation goes to the same replica while it is up (the
Redis lock store keeps order across replicas anyway) and moves to the next when it is down.
"""

from __future__ import annotations

import zlib
from typing import Any

import httpx

from bot.config import rasa_api_token

# The replica is not there, or went away while answering (killed mid-request): its SQL
# tracker store did not save the turn, so the next replica may take the message. A read
# timeout is not among these: a slow replica may still be working on it.
REPLICA_GONE = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError,
                httpx.ReadError, httpx.WriteError)


class RasaUnavailable(Exception):
    """No Rasa replica accepted the message: it was not processed and can be sent again."""


class RasaClient:
    def __init__(self, urls: list[str], timeout: float = 60.0, token: str | None = None) -> None:
        self.urls = [url.rstrip("/") for url in urls]
        self._token = token  # for Rasa's HTTP API; the REST channel needs none
        self._http = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=3.0),
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=100),
        )

    def _replicas_for(self, sender: str) -> list[str]:
        first = zlib.crc32(sender.encode()) % len(self.urls)
        return self.urls[first:] + self.urls[:first]

    async def send(self, sender: str, message: str,
                   metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        body = {"sender": sender, "message": message, "metadata": metadata or {}}
        for url in self._replicas_for(sender):
            try:
                response = await self._http.post(f"{url}/webhooks/rest/webhook", json=body)
            except REPLICA_GONE:
                continue
            if response.status_code in (502, 503, 504):
                continue
            response.raise_for_status()
            return response.json() or []
        raise RasaUnavailable("no Rasa replica accepted the message")

    async def parse(self, text: str) -> dict[str, Any]:
        """NLU only (``/model/parse``), through the HTTP API and so with its token: for
        checks and measurements, never for a client's message."""
        token = self._token or rasa_api_token()
        response = await self._http.post(f"{self.urls[0]}/model/parse", json={"text": text},
                                         params={"token": token})
        response.raise_for_status()
        return response.json()

    async def close(self) -> None:
        await self._http.aclose()
