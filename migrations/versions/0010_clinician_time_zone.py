"""a clinician's own time zone: none until she says (her digest keeps UTC meanwhile), and when
she was asked for it

Before this revision a clinician could not choose a zone: every account held the default "UTC",
which therefore means "never chosen" and becomes NULL. Going down, NULL becomes "UTC" again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import companion.store.models


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = companion.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('clinicians', schema=None) as batch_op:
        batch_op.alter_column('timezone', existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column('zone_asked_at', UTC, nullable=True))
    op.execute("UPDATE clinicians SET timezone = NULL WHERE timezone = 'UTC'")


def downgrade() -> None:
    op.execute("UPDATE clinicians SET timezone = 'UTC' WHERE timezone IS NULL")
    with op.batch_alter_table('clinicians', schema=None) as batch_op:
        batch_op.drop_column('zone_asked_at')
        batch_op.alter_column('timezone', existing_type=sa.String(length=64), nullable=False)
