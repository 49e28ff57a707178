"""job leases: attempts, lease expiry (heartbeat), dispatch time, worker

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 14:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_job_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_status'))
        batch_op.drop_column('worker')
        batch_op.drop_column('dispatched_at')
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('attempts')
