"""Encryption of what clients write (notes), with key rotation.

Fernet keys are derived from SECRET_KEY (and the OLD_SECRET_KEYS still accepted for
reading) with HKDF, so the raw secret never doubles as a cipher key. MultiFernet encrypts
with the newest key and decrypts with any; `python -m bot rotate-keys` re-encrypts
everything with the newest key, after which the old one can be dropped.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def fernet_key(secret: str) -> bytes:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"clientassistent",
               info=b"notes-encryption").derive(secret.encode())
    return base64.urlsafe_b64encode(key)


class Cipher:
    def __init__(self, secret: str, old_secrets: list[str] | None = None) -> None:
        self._fernet = MultiFernet([Fernet(fernet_key(s)) for s in [secret, *(old_secrets or [])]])

    def encrypt(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        return self._fernet.decrypt(token).decode("utf-8")

    def is_ours(self, token: str | None) -> bool:
        """Whether a token (text) decrypts with our keys: made by us, not forged."""
        if not token:
            return False
        try:
            self.decrypt(token.encode())
        except Exception:
            return False
        return True

    def rotate(self, token: bytes) -> bytes:
        return self._fernet.rotate(token)
