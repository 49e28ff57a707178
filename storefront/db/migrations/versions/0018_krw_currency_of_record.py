"""money in Korean won: price/total/unit price/refund columns become whole won (KRW)

Existing amounts were euro cents shown to shoppers at a fixed 1,500 won per euro rounded to
1,000 won; they are converted with exactly that rule, so every stored amount equals what the
shopper saw. Order totals are recomputed as the sum of their lines (unit price x quantity)
and refunds as returned pairs x the line's unit price, so the converted rows stay consistent.
Downgrade converts back at the same rate (lossy below 1 cent).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

#: won per euro and the 1,000-won rounding the pages used before this migration
_KRW_PER_EUR = 1500
_STEP = 1000

_RENAMES = (
    ('shoe_model', 'price_cents', 'price_krw'),
    ('shop_order', 'total_cents', 'total_krw'),
    ('order_line', 'unit_price_cents', 'unit_price_krw'),
    ('return_request', 'refund_cents', 'refund_krw'),
    ('mtm_quote', 'price_cents', 'price_krw'),
)


def _won(cents):
    # round half up to 1,000 won, integer arithmetic only
    return ((int(cents) * _KRW_PER_EUR // 100 * 2 + _STEP) // (2 * _STEP)) * _STEP


def _cents(won):
    return (int(won) * 100 * 2 + _KRW_PER_EUR) // (2 * _KRW_PER_EUR)


def _rename(table, old, new):
    # Plain RENAME COLUMN (PostgreSQL, SQLite >= 3.25): a batch table copy on SQLite would drop
    # and recreate shop_order, and the drop cascades to its order lines.
    op.execute(f'ALTER TABLE {table} RENAME COLUMN {old} TO {new}')


def _convert(conn, table, column, fn):
    rows = conn.execute(sa.text(f'SELECT id, {column} FROM {table}')).fetchall()
    for rid, value in rows:
        if value is not None:
            conn.execute(
                sa.text(f'UPDATE {table} SET {column} = :v WHERE id = :id'),
                {'v': fn(value), 'id': rid},
            )


def _recompute_totals(conn):
    conn.execute(sa.text(
        'UPDATE shop_order SET total_krw = (SELECT SUM(l.unit_price_krw * l.quantity) '
        'FROM order_line l WHERE l.order_id = shop_order.id) '
        'WHERE EXISTS (SELECT 1 FROM order_line l WHERE l.order_id = shop_order.id)'
    ))
    conn.execute(sa.text(
        'UPDATE return_request SET refund_krw = quantity * (SELECT l.unit_price_krw '
        'FROM order_line l WHERE l.id = return_request.order_line_id)'
    ))


def upgrade():
    for table, old, new in _RENAMES:
        _rename(table, old, new)
    conn = op.get_bind()
    for table, _old, new in _RENAMES:
        _convert(conn, table, new, _won)
    _recompute_totals(conn)
    conn.execute(sa.text("UPDATE shop_order SET currency = 'KRW'"))


def downgrade():
    conn = op.get_bind()
    for table, _old, new in _RENAMES:
        _convert(conn, table, new, _cents)
    conn.execute(sa.text("UPDATE shop_order SET currency = 'EUR'"))
    for table, old, new in _RENAMES:
        _rename(table, new, old)
