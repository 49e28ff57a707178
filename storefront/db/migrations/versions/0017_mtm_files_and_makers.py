"""made-to-measure files (personal last, insole, spec sheet), shopper preview, maker accounts

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 20:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('made_to_measure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('maker_id', _ID, nullable=True))
        batch_op.add_column(sa.Column('files_status', sa.String(length=16), nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('files_job_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('files_dir', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('files', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('files_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('pressure_source', sa.String(length=255), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_made_to_measure_maker_id_user_account'), 'user_account', ['maker_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index(batch_op.f('ix_made_to_measure_maker_id'), ['maker_id'], unique=False)
    with op.batch_alter_table('mtm_quote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preview_status', sa.String(length=16), nullable=False, server_default='none'))
        batch_op.add_column(sa.Column('preview_job_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('preview_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('preview_error', sa.Text(), nullable=True))
    op.create_table('maker_shop',
    sa.Column('shop_id', sa.String(length=64), nullable=False),
    sa.Column('maker_id', _ID, nullable=False),
    sa.ForeignKeyConstraint(['maker_id'], ['user_account.id'], name=op.f('fk_maker_shop_maker_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_maker_shop'))
    )
    with op.batch_alter_table('maker_shop', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_maker_shop_maker_id'), ['maker_id'], unique=False)


def downgrade():
    with op.batch_alter_table('maker_shop', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_maker_shop_maker_id'))
    op.drop_table('maker_shop')
    with op.batch_alter_table('mtm_quote', schema=None) as batch_op:
        for name in ('preview_error', 'preview_name', 'preview_job_id', 'preview_status'):
            batch_op.drop_column(name)
    with op.batch_alter_table('made_to_measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_made_to_measure_maker_id'))
        batch_op.drop_constraint(batch_op.f('fk_made_to_measure_maker_id_user_account'), type_='foreignkey')
        for name in ('pressure_source', 'files_error', 'files', 'files_dir', 'files_job_id', 'files_status', 'maker_id'):
            batch_op.drop_column(name)
