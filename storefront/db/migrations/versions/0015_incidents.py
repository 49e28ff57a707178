"""incidents: unexpected errors with their traceback; users see only the id

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 18:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('incident',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('error_type', sa.String(length=200), nullable=False),
    sa.Column('trace', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident'))
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_created_at'))
    op.drop_table('incident')
