"""The action server with the NLG endpoint, as `python -m bot actions` starts it, but
listening on every interface of the container: rasa-1 and rasa-2 reach it by service name
over the compose network, and `bot.action_server.run` listens on 127.0.0.1 by default.

    python /app/deploy/serve_actions.py      (docker-compose.yml, services actions-N)
"""

from __future__ import annotations

import os

from bot import action_server
from bot.config import Settings
from bot.logging_setup import setup_logging


def main() -> None:
    setup_logging("actions")
    action_server.run(Settings.from_env(), host=os.environ.get("ACTION_SERVER_HOST", "0.0.0.0"))


if __name__ == "__main__":
    main()
