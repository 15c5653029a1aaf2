"""The application store: SQLAlchemy 2 models, sessions and Alembic migrations."""

from bot.store.db import Store

__all__ = ["Store"]
