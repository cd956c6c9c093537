"""Outbox, chat flags, info sessions (seeded with the facts file's dates), bookings, broadcasts.

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-04 20:10:41.466771
"""

from collections.abc import Sequence
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


OLD_FUNNEL_KINDS = ('started', 'asked_question', 'check_started', 'check_completed', 'qualified', 'handoff')
FUNNEL_KINDS = OLD_FUNNEL_KINDS + ('booked', 'attended')


def _funnel_kinds(kinds: tuple[str, ...], previous: tuple[str, ...]) -> None:
    with op.batch_alter_table('funnel_events', schema=None) as batch_op:
        batch_op.alter_column(
            'kind',
            existing_type=sa.Enum(*previous, name='funnel_kind', native_enum=False,
                                  create_constraint=True),
            type_=sa.Enum(*kinds, name='funnel_kind', native_enum=False, create_constraint=True),
            existing_nullable=False)


def upgrade() -> None:
    # The funnel gains the steps booked → attended.
    _funnel_kinds(FUNNEL_KINDS, OLD_FUNNEL_KINDS)
    op.create_table('chat_flags',
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('blocked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_chat_flags'))
    )
    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('staff_notice', 'staff_reply', 'webhook', 'reminder', 'nudge', 'broadcast', name='outbox_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('target', sa.String(length=500), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('pending', 'claimed', 'sending', 'sent', 'failed', 'blocked', 'cancelled', 'interrupted', name='outbox_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('sender_id', sa.String(length=128), nullable=True),
    sa.Column('batch', sa.String(length=64), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('kind', 'target', 'key', name=op.f('uq_outbox_kind_target_key'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_batch'), ['batch'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index('ix_outbox_state_due', ['state', 'due_at'], unique=False)

    op.create_table('broadcasts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('segment', sa.JSON(), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'sending', 'sent', name='broadcast_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('recipients', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['staff_users.id'], name=op.f('fk_broadcasts_created_by_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_broadcasts'))
    )
    op.create_table('info_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('campus', sa.Enum('brussels', 'antwerp', 'ghent', 'liege', 'charleroi', 'other', name='session_campus', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('languages', sa.String(length=20), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('directions', sa.Text(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['staff_users.id'], name=op.f('fk_info_sessions_created_by_staff_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_sessions'))
    )
    with op.batch_alter_table('info_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_info_sessions_starts_at'), ['starts_at'], unique=False)

    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=128), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('state', sa.Enum('booked', 'confirmed', 'cancelled', 'attended', 'no_show', name='booking_state', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['info_sessions.id'], name=op.f('fk_bookings_session_id_info_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_session_id'), ['session_id'], unique=False)
        batch_op.create_index('ix_bookings_session_state', ['session_id', 'state'], unique=False)

    # The facts file's session dates (before sessions were data) become the first sessions.
    sessions = sa.table(
        'info_sessions', sa.column('starts_at', sa.DateTime(timezone=True)),
        sa.column('duration_minutes', sa.Integer()), sa.column('campus', sa.String()),
        sa.column('online_url', sa.String()), sa.column('languages', sa.String()),
        sa.column('address', sa.String()), sa.column('directions', sa.Text()),
        sa.column('capacity', sa.Integer()), sa.column('notes', sa.Text()),
        sa.column('active', sa.Boolean()), sa.column('created_at', sa.DateTime(timezone=True)),
    )
    now = datetime.now(timezone.utc)
    op.bulk_insert(sessions, [
        {'starts_at': datetime(2026, 12, 9, 17, 0, tzinfo=timezone.utc), 'duration_minutes': 90,
         'campus': 'brussels', 'online_url': '', 'languages': 'fr,en',
         'address': "Rue de l'Exemple 1, 1000 Bruxelles", 'directions': '', 'capacity': 25,
         'notes': 'seed: example date from content/facts.yml, EDIT ME', 'active': True,
         'created_at': now},
        {'starts_at': datetime(2027, 1, 13, 17, 0, tzinfo=timezone.utc), 'duration_minutes': 90,
         'campus': 'ghent', 'online_url': '', 'languages': 'nl',
         'address': 'Voorbeeldlaan 1, 9000 Gent', 'directions': '', 'capacity': 25,
         'notes': 'seed: example date from content/facts.yml, EDIT ME', 'active': True,
         'created_at': now},
    ])



def downgrade() -> None:
    op.execute("DELETE FROM funnel_events WHERE kind IN ('booked', 'attended')")
    _funnel_kinds(OLD_FUNNEL_KINDS, FUNNEL_KINDS)
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_session_state')
        batch_op.drop_index(batch_op.f('ix_bookings_session_id'))
        batch_op.drop_index(batch_op.f('ix_bookings_sender_id'))

    op.drop_table('bookings')
    with op.batch_alter_table('info_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_info_sessions_starts_at'))

    op.drop_table('info_sessions')
    op.drop_table('broadcasts')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state_due')
        batch_op.drop_index(batch_op.f('ix_outbox_sender_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_batch'))

    op.drop_table('outbox')
    op.drop_table('chat_flags')
