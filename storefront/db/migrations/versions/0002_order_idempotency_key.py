"""order idempotency key

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 23:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_shop_order_user_id'), ['user_id', 'idempotency_key']
        )


def downgrade():
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_shop_order_user_id'), type_='unique')
        batch_op.drop_column('idempotency_key')
