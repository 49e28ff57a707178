"""maker statistics: where a row's foot-model coefficients come from (footscan's fit or the
model given the measurements)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 00:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    """Add ``shape_source``; re-derive shoppers' rows on the next sync."""
    with op.batch_alter_table("maker_measurement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shape_source", sa.String(32), nullable=True))
    # synthetic rows were conditioned on their measurements; shoppers' rows are re-derived on
    # the next sync (their scans now carry the fit's own coefficients when footscan kept them)
    op.execute(
        "UPDATE maker_measurement SET shape_source = 'measures' "
        "WHERE synthetic = true AND shape_00_sd_e4 IS NOT NULL"
    )
    op.execute("DELETE FROM maker_measurement WHERE synthetic = false")
    op.execute(
        "UPDATE maker_table_state SET last_scan_id = 0, last_consent_at = 0, version = version + 1"
    )


def downgrade():
    """Drop ``shape_source``."""
    with op.batch_alter_table("maker_measurement", schema=None) as batch_op:
        batch_op.drop_column("shape_source")
