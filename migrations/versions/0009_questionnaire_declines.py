"""questionnaire offers wait after "Not today": how many in a row, and the last one's date

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('mothers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('screening_declines', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(sa.Column('screening_declined_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('mothers', schema=None) as batch_op:
        batch_op.drop_column('screening_declined_on')
        batch_op.drop_column('screening_declines')
