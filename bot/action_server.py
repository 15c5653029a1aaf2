"""The action server: rasa-sdk's app serving bot.actions, plus Rasa's NLG endpoint.

One process for both, so Rasa reaches our code at one address: /webhook for custom
actions and /nlg for rendering every response from the catalogue.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request

from bot import timings
from bot.actions.context import catalog
from bot.config import Settings
from bot.nlg import render_for_rasa
from bot.responses import ResponseCatalog

log = logging.getLogger(__name__)


class DomainlessActionExecutor(ActionExecutor):
    """Runs actions without the domain: Rasa 3.6 sends it only to actions that ask
    (selective domain), and our actions render through the catalogue, not the domain.

    Current rasa-sdk answers a call without domain with HTTP 449 ("resend with domain"),
    a retry Rasa 3.6 does not know; so a missing domain is simply an empty one here.
    """

    async def run(self, action_call: dict[str, Any]) -> dict[str, Any] | None:
        with timings.stage("actions"):
            return await super().run(action_call)

    def update_and_return_domain(self, payload: dict[str, Any],
                                 action_name: str) -> dict[str, Any] | None:
        if payload.get("domain") is None:
            return self.domain or {}
        return super().update_and_return_domain(payload, action_name)


def build_app(catalog: ResponseCatalog, default_language: str = "nl") -> Sanic:
    executor = DomainlessActionExecutor()
    executor.register_package("bot.actions")
    app = create_app(executor, cors_origins=None)
    app.config.KEEP_ALIVE_TIMEOUT = 120

    @app.post("/nlg")
    async def nlg(request: Request) -> response.HTTPResponse:
        with timings.stage("nlg"):
            return response.json(render_for_rasa(catalog, request.json or {},
                                                 default_language))

    return app


def run(settings: Settings, host: str = "127.0.0.1") -> None:
    app = build_app(catalog(), settings.default_language)
    log.info("Action server and NLG on %s:%s", host, settings.action_server_port)
    try:
        app.run(host=host, port=settings.action_server_port, single_process=True,
                access_log=False, motd=False)
    finally:
        timings.dump("actions")
