"""Encryption at rest: AES-256-GCM with the row's identity bound in as associated data.

Keys come from COMPANION_ENCRYPTION_KEYS, newest first. Every token records which key sealed it, so
old rows stay readable after a new key is put first, and `companion db rotate-keys` re-seals them.

A token is: version (1 byte), key id (4), nonce (12), ciphertext and tag. Version 2 (the current
one) binds the version and the row's context (`Base.seal_context`: table, column, row and whose
it is) as associated data. Version 1 bound the table, column and row only; the app refuses it,
and only migration 0011, which re-sealed every value as version 2, opens or writes it.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSION = b"\x02"
LEGACY_VERSION = b"\x01"  # for migration 0011 only
_KEY_ID_LEN = 4
_NONCE_LEN = 12
_VERSIONS = (VERSION, LEGACY_VERSION)


class VaultError(Exception):
    """A token could not be opened (unknown key, wrong row, or tampered). Carries no plaintext."""


def generate_key() -> str:
    """A new 32-byte key, url-safe base64, for COMPANION_ENCRYPTION_KEYS."""
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


def _associated(version: bytes, context: str) -> bytes:
    if version not in _VERSIONS:
        raise ValueError("unknown token version")
    data = context.encode("utf-8")
    return data if version == LEGACY_VERSION else version + data


def is_current(token: bytes) -> bool:
    """Whether `token` is in the current format (a legacy one needs migration 0011)."""
    return token[:1] == VERSION


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

    def seal(self, plaintext: str, *, context: str, version: bytes = VERSION) -> bytes:
        key_id, aead = self._keys[0]
        nonce = os.urandom(_NONCE_LEN)
        sealed = aead.encrypt(nonce, plaintext.encode("utf-8"), _associated(version, context))
        return version + key_id + nonce + sealed

    def open(self, token: bytes, *, context: str, version: bytes = VERSION) -> str:
        """The plaintext; VaultError unless `token` is of `version`, sealed with a configured key
        for exactly this context."""
        if len(token) < 1 + _KEY_ID_LEN + _NONCE_LEN + 16 or token[:1] not in _VERSIONS:
            raise VaultError("not a companion token")
        if token[:1] != version:
            raise VaultError("sealed in an older format: run companion db upgrade")
        key_id = token[1 : 1 + _KEY_ID_LEN]
        aead = self._by_id.get(key_id)
        if aead is None:
            raise VaultError("sealed with a key that is no longer configured")
        nonce = token[1 + _KEY_ID_LEN : 1 + _KEY_ID_LEN + _NONCE_LEN]
        try:
            sealed = token[1 + _KEY_ID_LEN + _NONCE_LEN :]
            plain = aead.decrypt(nonce, sealed, _associated(version, context))
        except InvalidTag:
            raise VaultError("token does not belong to this row or was altered") from None
        return plain.decode("utf-8")

    def has_key_for(self, token: bytes) -> bool:
        """Whether one of the configured keys sealed `token` (by its key id; not proof)."""
        return token[1 : 1 + _KEY_ID_LEN] in self._by_id

    def needs_reseal(self, token: bytes) -> bool:
        return token[1 : 1 + _KEY_ID_LEN] != self.current_key_id
