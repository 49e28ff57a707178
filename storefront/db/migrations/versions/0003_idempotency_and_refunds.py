"""idempotency records for every commerce request; refund recorded on returns

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 14:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=True),
    sa.Column('resource_kind', sa.String(length=24), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_idempotency_record_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_record')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotency_record_user_id'))
    )
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_record_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('return_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refund_cents', sa.Integer(), nullable=False, server_default='0'))
    # Checkout keys stored on orders (0002) become records that match any request body.
    op.execute(
        "INSERT INTO idempotency_record (user_id, scope, key, request_hash, resource_kind, resource_id, created_at) "
        "SELECT user_id, 'checkout', idempotency_key, NULL, 'order', id, created_at FROM shop_order "
        "WHERE idempotency_key IS NOT NULL AND user_id IS NOT NULL"
    )
    # Refunds of returns made before this revision: quantity x the line's unit price.
    op.execute(
        "UPDATE return_request SET refund_cents = quantity * (SELECT unit_price_cents FROM order_line "
        "WHERE order_line.id = return_request.order_line_id)"
    )


def downgrade():
    with op.batch_alter_table('return_request', schema=None) as batch_op:
        batch_op.drop_column('refund_cents')
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_record_user_id'))
    op.drop_table('idempotency_record')
