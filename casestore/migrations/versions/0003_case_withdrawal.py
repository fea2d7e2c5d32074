"""case withdrawal: when the requester's withdrawal request is pending

Revision ID: 0003_withdrawal
Revises: 0002_live_chat
Create Date: 2026-12-02 18:30:00
"""

import sqlalchemy as sa
from alembic import op

import casestore.models

revision = "0003_withdrawal"
down_revision = "0002_live_chat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawal_requested_at", casestore.models.UtcDateTime(),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("withdrawal_requested_at")
