"""maker statistics: the columnar measurements table and its sync state

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 18:00:00

"""

from alembic import op
import sqlalchemy as sa


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_MEASURES = ("ball_girth", "ball_width", "instep_girth", "instep_height", "heel_width")
_N_SHAPE = 38


def upgrade():
    op.create_table(
        "maker_measurement",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=True,
            unique=True,
        ),
        sa.Column(
            "scan_id", sa.Integer(), sa.ForeignKey("scan.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("synthetic", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_s", sa.BigInteger(), nullable=False),
        sa.Column("sex", sa.String(32), nullable=True),
        sa.Column("age_band", sa.String(32), nullable=True),
        sa.Column("region", sa.String(32), nullable=True),
        sa.Column("foot_length_tenth_mm", sa.Integer(), nullable=True),
        *(sa.Column(f"{m}_tenth_mm", sa.Integer(), nullable=True) for m in _MEASURES),
        *(sa.Column(f"shape_{k:02d}_sd_e4", sa.Integer(), nullable=True) for k in range(_N_SHAPE)),
    )
    op.create_index("ix_maker_measurement_scan_id", "maker_measurement", ["scan_id"])
    op.create_table(
        "maker_table_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("last_scan_id", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_consent_at", sa.Float(), nullable=False, server_default="0"),
        sa.Column("token", sa.String(32), nullable=False, server_default=""),
    )
    op.create_index("ix_privacy_release_period", "privacy_release", ["period"])


def downgrade():
    op.drop_index("ix_privacy_release_period", table_name="privacy_release")
    op.drop_table("maker_table_state")
    op.drop_index("ix_maker_measurement_scan_id", table_name="maker_measurement")
    op.drop_table("maker_measurement")
