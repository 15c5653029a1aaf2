"""Front ends as real processes, started the way production starts them."""

from bot.launcher import FrontendProcess, start_frontend

__all__ = ["FrontendProcess", "start_frontend"]
