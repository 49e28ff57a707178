"""one fit feedback per purchased line

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('fit_feedback', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_line_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_fit_feedback_order_line_id_order_line'), 'order_line',
            ['order_line_id'], ['id'], ondelete='SET NULL'
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_fit_feedback_order_line_id'), ['order_line_id']
        )


def downgrade():
    with op.batch_alter_table('fit_feedback', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_fit_feedback_order_line_id'), type_='unique')
        batch_op.drop_constraint(
            batch_op.f('fk_fit_feedback_order_line_id_order_line'), type_='foreignkey'
        )
        batch_op.drop_column('order_line_id')
