"""audit lines written before issue 19 lose the Telegram ids they held

Until then a refused button press was audited as `user=<Telegram id> button=...` and a failed
delivery as `... chat=<chat id> ...`: someone's Telegram account, readable by whoever holds the
database. This revision takes those two fields out of every existing line (the rest of the line,
its event and companion's own ids stay). Going down restores nothing: the ids are gone.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 21:00:00.000000
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TELEGRAM_IDS = re.compile(r" ?\b(user|chat)=-?\d+")
AUDIT = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('detail', sa.String))


def upgrade() -> None:
    connection = op.get_bind()
    holding = connection.execute(
        sa.select(AUDIT.c.id, AUDIT.c.detail).where(
            sa.or_(AUDIT.c.detail.like('%user=%'), AUDIT.c.detail.like('%chat=%'))
        )
    ).all()
    for row_id, detail in holding:
        cleaned = TELEGRAM_IDS.sub('', detail).strip()
        if cleaned != detail:
            connection.execute(
                sa.update(AUDIT).where(AUDIT.c.id == row_id).values(detail=cleaned or None)
            )


def downgrade() -> None:
    pass  # the ids are not kept anywhere: nothing to put back
