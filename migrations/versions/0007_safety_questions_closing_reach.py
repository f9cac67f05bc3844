"""safety questions heard when typed, no silence after a crisis, closing flags, reaching her

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 05:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import companion.store.models


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = companion.store.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asked', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('asked_at', UTC, nullable=True))
        batch_op.add_column(sa.Column('escalated_at', UTC, nullable=True))
        batch_op.add_column(sa.Column('closed_at', UTC, nullable=True))
        batch_op.add_column(sa.Column('closed_by', sa.String(length=32), nullable=True))
    with op.batch_alter_table('patient_invites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label_sealed', sa.LargeBinary(), nullable=True))
    with op.batch_alter_table('shares', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('contact_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column('direct_ok', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table('share_drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_sealed', sa.LargeBinary(), nullable=True))
        batch_op.add_column(
            sa.Column('direct_ok', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('share_drafts', schema=None) as batch_op:
        batch_op.drop_column('direct_ok')
        batch_op.drop_column('contact_sealed')
    with op.batch_alter_table('shares', schema=None) as batch_op:
        batch_op.drop_column('direct_ok')
        batch_op.drop_column('contact_sealed')
        batch_op.drop_column('label_sealed')
    with op.batch_alter_table('patient_invites', schema=None) as batch_op:
        batch_op.drop_column('label_sealed')
    with op.batch_alter_table('flags', schema=None) as batch_op:
        batch_op.drop_column('closed_by')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('asked_at')
        batch_op.drop_column('asked')
