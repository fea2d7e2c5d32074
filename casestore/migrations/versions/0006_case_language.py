"""case language: the resident's language on each case and on each account

Revision ID: 0006_language
Revises: 0005_published
Create Date: 2026-12-03 18:00:00

``cases.language`` is the language the case's notices, emails and pages
speak (one of the catalog's ``city.languages``). Every case filed before this
revision was served in English, so existing rows get ``en`` whatever the
catalog's default is now; new cases get the language their caller sent, or
the catalog's default (set by ``casestore.cases.create_case``).
``residents.language`` stays empty until the resident chooses one on
/account or files a first case with the account's email.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_language"
down_revision = "0005_published"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=False,
                                      server_default="en"))
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("residents", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("language")
