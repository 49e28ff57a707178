"""retention: keep_raw on scans and gait sessions; gait session size for the quota

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keep_raw', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('gait_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keep_raw', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('size_bytes', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('gait_session', schema=None) as batch_op:
        batch_op.drop_column('size_bytes')
        batch_op.drop_column('keep_raw')
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.drop_column('keep_raw')
