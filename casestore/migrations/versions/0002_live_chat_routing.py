"""live chat routing: transcript, gathered details, outcome, callback, filed case

Revision ID: 0002_live_chat
Revises: 0001
Create Date: 2026-11-28 17:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_live_chat"
down_revision = "0001"
branch_labels = None
depends_on = None

_OPEN = "status IN ('waiting', 'active', 'missed')"


def upgrade() -> None:
    with op.batch_alter_table("live_chats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=16), nullable=False,
                                      server_default="asked"))
        batch_op.add_column(sa.Column("transcript", sa.JSON(), nullable=False,
                                      server_default="[]"))
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=False,
                                      server_default="{}"))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("callback_phone", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_live_chats_case_id", "cases", ["case_id"], ["id"])
    op.create_index("ux_live_chats_open_sender", "live_chats", ["sender_id"], unique=True,
                    sqlite_where=sa.text(_OPEN), postgresql_where=sa.text(_OPEN))
    with op.batch_alter_table("live_chat_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_key", sa.String(length=200), nullable=True))
    op.create_index("ux_live_chat_messages_key", "live_chat_messages",
                    ["chat_id", "message_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_live_chat_messages_key", table_name="live_chat_messages")
    with op.batch_alter_table("live_chat_messages", schema=None) as batch_op:
        batch_op.drop_column("message_key")
    op.drop_index("ux_live_chats_open_sender", table_name="live_chats")
    with op.batch_alter_table("live_chats", schema=None) as batch_op:
        batch_op.drop_constraint("fk_live_chats_case_id", type_="foreignkey")
        for column in ("case_id", "callback_phone", "end_reason", "details", "transcript",
                       "reason"):
            batch_op.drop_column(column)
