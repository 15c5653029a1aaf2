"""A switchable stand-in between a front end and Rasa: closed (Rasa down), slow, or open."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web


class RasaProxy:
    def __init__(self, target: str, port: int) -> None:
        self.target = target.rstrip("/")
        self.port = port
        self.delay = 0.0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def close(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None
        if self._session:
            await self._session.close()
            self._session = None

    async def _forward(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.delay)
        self._session = self._session or aiohttp.ClientSession()
        async with self._session.request(request.method, self.target + request.path_qs,
                                         data=await request.read(),
                                         headers={"Content-Type": request.content_type}) as r:
            return web.Response(body=await r.read(), status=r.status,
                                content_type=r.content_type)
