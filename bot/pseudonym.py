"""Pseudonymous ids: what Rasa, the store and the logs see instead of a Telegram id."""

import hashlib
import hmac


def sender_id(secret_key: str, chat_id: int | str) -> str:
    """A stable HMAC of the chat id; without the key it cannot be traced back."""
    digest = hmac.new(secret_key.encode(), f"chat:{chat_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
