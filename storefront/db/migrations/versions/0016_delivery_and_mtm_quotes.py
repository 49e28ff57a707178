"""delivery details on orders; made-to-measure quotes confirmed before any charge

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 17:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery', sa.JSON(), nullable=True))
    op.create_table('mtm_quote',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('scan_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('model_id', sa.String(length=64), nullable=False),
    sa.Column('shop_id', sa.String(length=64), nullable=False),
    sa.Column('colourway_id', sa.String(length=64), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('measurements', sa.JSON(), nullable=False),
    sa.Column('last_spec', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_mtm_quote_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mtm_quote'))
    )
    with op.batch_alter_table('mtm_quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mtm_quote_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('mtm_quote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mtm_quote_user_id'))
    op.drop_table('mtm_quote')
    with op.batch_alter_table('shop_order', schema=None) as batch_op:
        batch_op.drop_column('delivery')
