"""Reading a sealed column where a value that does not open must not stop companion.

A value refuses to open when it was moved from another row or another mother, relabelled (its
question or questionnaire changed), altered, left in the format before migration 0011, or sealed
with a key no longer configured. Readers then go on as if it were not there: her birth date
unknown, an answer or a snippet left out, a flag's reasons empty, a clinician's label or her phone
number absent, her chosen name shown as her share's short id (so an alert still goes out).
"""

from __future__ import annotations

import logging

from companion.store.models import Base
from companion.vault import Vault, VaultError

log = logging.getLogger(__name__)


def open_sealed(row: Base, column: str, vault: Vault) -> str | None:
    """The value of `row.column`; None when it is empty or does not open here (logged by table,
    column and row id, never by what it holds)."""
    token = getattr(row, column)
    if token is None:
        return None
    try:
        return vault.open(token, context=row.seal_context(column))
    except VaultError as error:
        log.warning(
            "event=sealed_value_unreadable table=%s column=%s row=%s reason=%s",
            row.__tablename__,
            column,
            row.row_key(),
            error,
        )
        return None
