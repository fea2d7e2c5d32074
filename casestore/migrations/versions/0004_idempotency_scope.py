"""idempotency scope: a key belongs to one caller and one body

Revision ID: 0004_idempotency_scope
Revises: 0003_withdrawal
Create Date: 2026-12-03 07:45:00

``Idempotency-Key`` was unique across all callers, so one caller's key could
replay another caller's case. The key is now unique per caller
(``idempotency_scope``: ``service``, ``staff:<id>``, ``api-key:<id>``,
``live-chat``) and remembers a fingerprint of the body it was first sent with.
Rows filed before this revision keep their key under the scope that used it:
``live-chat-*`` keys under ``live-chat``, every other key under ``service``
(the assistant was the only caller that sent keys); they have no fingerprint.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_idempotency_scope"
down_revision = "0003_withdrawal"
branch_labels = None
depends_on = None

# SQLite reflects the unnamed UNIQUE(idempotency_key) of 0001 without a name; batch mode
# names reflected constraints with this convention so it can be dropped by name.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
_POSTGRES_NAME = "cases_idempotency_key_key"  # PostgreSQL's name for the 0001 constraint


def _old_unique_name() -> tuple[str, dict]:
    if op.get_bind().dialect.name == "sqlite":
        return "uq_cases_idempotency_key", {"naming_convention": _SQLITE_NAMES}
    return _POSTGRES_NAME, {}


def upgrade() -> None:
    name, options = _old_unique_name()
    with op.batch_alter_table("cases", schema=None, **options) as batch_op:
        batch_op.add_column(sa.Column("idempotency_scope", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("idempotency_fingerprint", sa.String(length=64),
                                      nullable=True))
        batch_op.drop_constraint(name, type_="unique")
    op.execute("UPDATE cases SET idempotency_scope = 'live-chat' "
               "WHERE idempotency_key LIKE 'live-chat-%'")
    op.execute("UPDATE cases SET idempotency_scope = 'service' "
               "WHERE idempotency_key IS NOT NULL AND idempotency_scope IS NULL")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_cases_idempotency_scope_key",
                                          ["idempotency_scope", "idempotency_key"])


def downgrade() -> None:
    name, options = _old_unique_name()
    with op.batch_alter_table("cases", schema=None, **options) as batch_op:
        batch_op.drop_constraint("uq_cases_idempotency_scope_key", type_="unique")
        batch_op.drop_column("idempotency_fingerprint")
        batch_op.drop_column("idempotency_scope")
        # Two callers may have used the same key since; the old global uniqueness
        # would refuse them, so only the first case keeps it.
    op.execute("UPDATE cases SET idempotency_key = NULL WHERE id NOT IN ("
               "SELECT MIN(id) FROM cases WHERE idempotency_key IS NOT NULL "
               "GROUP BY idempotency_key) AND idempotency_key IS NOT NULL")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_unique_constraint(name, ["idempotency_key"])
