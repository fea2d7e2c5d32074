"""published residents' words: staff make a resident's note or photo public

Revision ID: 0005_published
Revises: 0004_idempotency_scope
Create Date: 2026-12-03 08:20:00

``activities.published_at`` is set while staff have made a resident's note
public (only then does the public view show its text); ``cases.public_media``
lists the photo numbers (1 = the first of ``media_urls``) staff made public.
Existing rows start unpublished, so nothing becomes public by this revision.
"""

import sqlalchemy as sa
from alembic import op

import casestore.models

revision = "0005_published"
down_revision = "0004_idempotency_scope"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_at", casestore.models.UtcDateTime(),
                                      nullable=True))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_media", sa.JSON(), nullable=False,
                                      server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("public_media")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("published_at")
