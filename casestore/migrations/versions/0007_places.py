"""places: where a case's coordinates came from, and the geocoder's cache

Revision ID: 0007_places
Revises: 0006_language
Create Date: 2026-12-04 16:10:00

``cases.location_source`` says who gave a case's coordinates: ``resident_pin``
(a pin the resident placed on a map), ``device`` (the resident's phone or
browser position), ``geocoder`` (the case store's geocode job, from the typed
address), ``open311`` (an Open311 client's lat/long) or ``channel`` (a
location shared in a chat channel). Rows filed before this revision keep it
empty: nobody recorded where their coordinates came from.
``cases.geocoded_at`` is when the geocode job looked the case's address up
(found or not), so it looks each case up once; older rows without
coordinates are looked up by the job's first passes.

``geocode_cache`` keeps every answer a geocoder gave, found or not, keyed by
the normalised address and the provider, so each address is asked once.
"""

import sqlalchemy as sa
from alembic import op

import casestore.models

revision = "0007_places"
down_revision = "0006_language"
branch_labels = None
depends_on = None

# The geocode job's queue: typed addresses not looked up yet (written out here, as a
# migration must not change when the models do).
_PENDING = "lat IS NULL AND geocoded_at IS NULL AND address IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location_source", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("geocoded_at", casestore.models.UtcDateTime(),
                                      nullable=True))
    op.create_index("ix_cases_geocode_pending", "cases", ["id"],
                    sqlite_where=sa.text(_PENDING), postgresql_where=sa.text(_PENDING))
    op.create_table(
        "geocode_cache",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("address_key", sa.String(length=300), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("long", sa.Float(), nullable=True),
        sa.Column("created_at", casestore.models.UtcDateTime(), nullable=False),
        sa.UniqueConstraint("provider", "address_key", name="uq_geocode_cache_provider_address"),
    )


def downgrade() -> None:
    op.drop_table("geocode_cache")
    op.drop_index("ix_cases_geocode_pending", table_name="cases")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("geocoded_at")
        batch_op.drop_column("location_source")
