"""photos: the photos the case store keeps itself

Revision ID: 0008_photos
Revises: 0007_places
Create Date: 2026-12-04 16:20:00

``photos`` holds one row per stored photo (casestore/media): its random public
``token``, the case it is attached to (empty between upload and case
creation), where it came from, its size, whether staff made it public, the
photo's own position when the resident allowed it, and the storage keys of
the full-size copy and the thumbnail. Cases list their stored photos in
``media_urls`` as ``media:<token>``; older cases have none.
"""

import sqlalchemy as sa
from alembic import op

import casestore.models

revision = "0008_photos"
down_revision = "0007_places"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("is_public", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("thumb_key", sa.String(length=200), nullable=False),
        sa.Column("created_at", casestore.models.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    op.create_index("ix_photos_case_id", "photos", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_photos_case_id", table_name="photos")
    op.drop_table("photos")
