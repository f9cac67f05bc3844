"""Encryption at rest: AES-256-GCM with the row's identity bound in as associated data.

Keys come from COMPANION_ENCRYPTION_KEYS, newest first. Every token records which key sealed it, so
old rows stay readable after a new key is put first, and `companion db rotate-keys` re-seals them.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION = b"\x01"
_KEY_ID_LEN = 4
_NONCE_LEN = 12


class VaultError(Exception):
    """A token could not be opened (unknown key, wrong row, or tampered). Carries no plaintext."""


def generate_key() -> str:
    """A new 32-byte key, url-safe base64, for COMPANION_ENCRYPTION_KEYS."""
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"companion-key-id" + key).digest()[:_KEY_ID_LEN]


class Vault:
    """Seals and opens small values; `context` names the table, column and row they belong to."""

    def __init__(self, keys: tuple[bytes, ...]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is required")
        self._keys = [(_key_id(key), AESGCM(key)) for key in keys]
        self._by_id = dict(self._keys)

    @property
    def current_key_id(self) -> bytes:
        return self._keys[0][0]

    def seal(self, plaintext: str, *, context: str) -> bytes:
        key_id, aead = self._keys[0]
        nonce = os.urandom(_NONCE_LEN)
        sealed = aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return _VERSION + key_id + nonce + sealed

    def open(self, token: bytes, *, context: str) -> str:
        if len(token) < 1 + _KEY_ID_LEN + _NONCE_LEN + 16 or token[:1] != _VERSION:
            raise VaultError("not a companion token")
        key_id = token[1 : 1 + _KEY_ID_LEN]
        aead = self._by_id.get(key_id)
        if aead is None:
            raise VaultError("sealed with a key that is no longer configured")
        nonce = token[1 + _KEY_ID_LEN : 1 + _KEY_ID_LEN + _NONCE_LEN]
        try:
            plain = aead.decrypt(nonce, token[1 + _KEY_ID_LEN + _NONCE_LEN :], context.encode())
        except InvalidTag:
            raise VaultError("token does not belong to this row or was altered") from None
        return plain.decode("utf-8")

    def needs_reseal(self, token: bytes) -> bool:
        return token[1 : 1 + _KEY_ID_LEN] != self.current_key_id
