"""care managers: links with the wearer's consent, the access log, alerts

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 18:00:00

"""

from alembic import op
import sqlalchemy as sa

#: 64-bit ids on PostgreSQL (as migration 0012 made every other id), INTEGER rowids on SQLite.
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "care_link",
        sa.Column("id", _ID, primary_key=True),
        sa.Column(
            "manager_id",
            _ID,
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "wearer_id",
            _ID,
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("code_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_care_link_manager_id", "care_link", ["manager_id"])
    op.create_index("ix_care_link_wearer_id", "care_link", ["wearer_id"])
    op.create_table(
        "care_access",
        sa.Column("id", _ID, primary_key=True),
        sa.Column(
            "wearer_id",
            _ID,
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "manager_id",
            _ID,
            sa.ForeignKey("user_account.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("manager_name", sa.String(80), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_care_access_wearer_id", "care_access", ["wearer_id"])
    op.create_table(
        "care_alert",
        sa.Column("id", _ID, primary_key=True),
        sa.Column(
            "wearer_id",
            _ID,
            sa.ForeignKey("user_account.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "session_id",
            _ID,
            sa.ForeignKey("gait_session.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("session_id", "indicator", name="uq_care_alert_session_indicator"),
    )
    op.create_index("ix_care_alert_wearer_id", "care_alert", ["wearer_id"])
    op.create_index("ix_care_alert_session_id", "care_alert", ["session_id"])


def downgrade():
    op.drop_index("ix_care_alert_session_id", table_name="care_alert")
    op.drop_index("ix_care_alert_wearer_id", table_name="care_alert")
    op.drop_table("care_alert")
    op.drop_index("ix_care_access_wearer_id", table_name="care_access")
    op.drop_table("care_access")
    op.drop_index("ix_care_link_wearer_id", table_name="care_link")
    op.drop_index("ix_care_link_manager_id", table_name="care_link")
    op.drop_table("care_link")
