"""64-bit ids: BIGINT primary keys, foreign keys and id references (PostgreSQL)

SQLite's INTEGER PRIMARY KEY is already a 64-bit rowid, so nothing changes there. On
PostgreSQL every integer id, foreign key and id reference becomes BIGINT, and each id's
sequence is widened too (a SERIAL sequence of type integer stops at 2**31 - 1).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 18:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

#: (table, column) of every integer id, foreign key to one, and id reference.
ID_COLUMNS = (
    ('manufacturer', 'id'),
    ('user_account', 'id'),
    ('user_account', 'manufacturer_id'),
    ('api_token', 'id'),
    ('api_token', 'user_id'),
    ('password_reset', 'id'),
    ('password_reset', 'user_id'),
    ('stock', 'id'),
    ('job', 'target_id'),
    ('job', 'user_id'),
    ('scan', 'id'),
    ('scan', 'user_id'),
    ('gait_session', 'id'),
    ('gait_session', 'user_id'),
    ('gait_upload', 'user_id'),
    ('cart_item', 'id'),
    ('cart_item', 'user_id'),
    ('cart_item', 'stock_id'),
    ('shop_order', 'id'),
    ('shop_order', 'user_id'),
    ('order_line', 'id'),
    ('order_line', 'order_id'),
    ('order_line', 'stock_id'),
    ('return_request', 'id'),
    ('return_request', 'order_line_id'),
    ('idempotency_record', 'id'),
    ('idempotency_record', 'user_id'),
    ('idempotency_record', 'resource_id'),
    ('fit_feedback', 'id'),
    ('fit_feedback', 'user_id'),
    ('fit_feedback', 'order_line_id'),
    ('learned_offset', 'id'),
    ('made_to_measure', 'id'),
    ('made_to_measure', 'order_id'),
    ('privacy_release', 'id'),
    ('privacy_release', 'manufacturer_id'),
    # the maker statistics table (0011) points at accounts and scans
    ('maker_measurement', 'user_id'),
    ('maker_measurement', 'scan_id'),
    ('maker_table_state', 'id'),
    ('maker_table_state', 'last_scan_id'),
)


def _retype(type_name):
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return  # SQLite: INTEGER is 64-bit already
    for table, column in ID_COLUMNS:
        op.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {type_name}')
        if column != 'id':
            continue
        seq = bind.execute(
            sa.text('SELECT pg_get_serial_sequence(:t, :c)'), {'t': table, 'c': column}
        ).scalar()
        if seq:
            op.execute(f'ALTER SEQUENCE {seq} AS {type_name}')


def upgrade():
    _retype('BIGINT')


def downgrade():
    _retype('INTEGER')
