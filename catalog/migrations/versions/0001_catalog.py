"""The objectsync catalog: connections, hierarchy, dictionary, tags, jobs, outbox, permissions, requests, webhooks.

Revision ID: 0001
Revises: 
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('change_events',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('connection_key', sa.Text(), nullable=False),
    sa.Column('object_path', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('object_id', sa.BigInteger(), nullable=True),
    sa.Column('job_id', sa.BigInteger(), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_change_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_change_events_event_id'))
    )
    op.create_index(op.f('ix_change_events_job_id'), 'change_events', ['job_id'], unique=False)
    op.create_index('ix_change_events_object_path', 'change_events', ['object_path'], unique=False)
    op.create_index(op.f('ix_change_events_type'), 'change_events', ['type'], unique=False)
    op.create_table('connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('technology', sa.Text(), nullable=False),
    sa.Column('config', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('credentials_encrypted', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('validation_results', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('cron', sa.Text(), nullable=False),
    sa.Column('event_namespace', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('next_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_sync_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('creating', 'enabled', 'editing', 'deleting', 'disabled', 'createError', 'editError', 'deleteError', 'recurringValidationError')", name=op.f('ck_connections_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connections')),
    sa.UniqueConstraint('key', name=op.f('uq_connections_key'))
    )
    op.create_index(op.f('ix_connections_next_sync_at'), 'connections', ['next_sync_at'], unique=False)
    op.create_table('groups',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_groups')),
    sa.UniqueConstraint('name', name=op.f('uq_groups_name'))
    )
    op.create_table('relay_cursors',
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('last_event_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_relay_cursors'))
    )
    op.create_table('users',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name'))
    )
    op.create_table('webhook_subscriptions',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('secret_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('event_types', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('path_prefix', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('disabled_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_subscriptions'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('token_hash', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)
    op.create_table('data_objects',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.BigInteger(), nullable=True),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('path', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('remote_kind', sa.Text(), nullable=True),
    sa.Column('status_setting', sa.Text(), nullable=False),
    sa.Column('effective_status', sa.Text(), nullable=False),
    sa.Column('activate_new_children', sa.Text(), nullable=False),
    sa.Column('remote_state', sa.Text(), nullable=False),
    sa.Column('status_before_deletion', sa.Text(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('owner', sa.Text(), nullable=True),
    sa.Column('fingerprint', sa.Text(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deleted_remotely_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("activate_new_children IN ('enabled', 'disabled', 'inherit')", name=op.f('ck_data_objects_activate_new_children')),
    sa.CheckConstraint("effective_status IN ('enabled', 'disabled')", name=op.f('ck_data_objects_effective_status')),
    sa.CheckConstraint("kind IN ('connection', 'database', 'schema', 'table', 'view')", name=op.f('ck_data_objects_kind')),
    sa.CheckConstraint("remote_state IN ('present', 'deleted')", name=op.f('ck_data_objects_remote_state')),
    sa.CheckConstraint("status_setting IN ('enabled', 'disabled', 'inherit')", name=op.f('ck_data_objects_status_setting')),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], name=op.f('fk_data_objects_connection_id_connections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['data_objects.id'], name=op.f('fk_data_objects_parent_id_data_objects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_objects'))
    )
    op.create_index(op.f('ix_data_objects_connection_id'), 'data_objects', ['connection_id'], unique=False)
    op.create_index(op.f('ix_data_objects_parent_id'), 'data_objects', ['parent_id'], unique=False)
    op.create_index('ix_data_objects_path', 'data_objects', ['path'], unique=True)
    op.create_table('group_members',
    sa.Column('group_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_group_members_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'user_id', name=op.f('pk_group_members'))
    )
    op.create_table('jobs',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('bulk_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=True),
    sa.Column('connection_key', sa.Text(), nullable=True),
    sa.Column('scope_path', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('requested_by', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('subtasks_total', sa.Integer(), nullable=True),
    sa.Column('subtasks_succeeded', sa.Integer(), nullable=False),
    sa.Column('subtasks_held', sa.Integer(), nullable=False),
    sa.Column('subtasks_failed', sa.Integer(), nullable=False),
    sa.Column('errors', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('planned_changes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'partial', 'failed')", name=op.f('ck_jobs_status')),
    sa.ForeignKeyConstraint(['connection_id'], ['connections.id'], name=op.f('fk_jobs_connection_id_connections'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('bulk_id', name=op.f('uq_jobs_bulk_id'))
    )
    op.create_index(op.f('ix_jobs_connection_id'), 'jobs', ['connection_id'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('subscription_id', sa.BigInteger(), nullable=False),
    sa.Column('event_id', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status_code', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'delivered', 'dead')", name=op.f('ck_webhook_deliveries_status')),
    sa.ForeignKeyConstraint(['event_id'], ['change_events.id'], name=op.f('fk_webhook_deliveries_event_id_change_events')),
    sa.ForeignKeyConstraint(['subscription_id'], ['webhook_subscriptions.id'], name=op.f('fk_webhook_deliveries_subscription_id_webhook_subscriptions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
    sa.UniqueConstraint('subscription_id', 'event_id', name=op.f('uq_webhook_deliveries_subscription_id'))
    )
    op.create_index(op.f('ix_webhook_deliveries_event_id'), 'webhook_deliveries', ['event_id'], unique=False)
    op.create_index(op.f('ix_webhook_deliveries_next_attempt_at'), 'webhook_deliveries', ['next_attempt_at'], unique=False)
    op.create_index(op.f('ix_webhook_deliveries_subscription_id'), 'webhook_deliveries', ['subscription_id'], unique=False)
    op.create_table('columns',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('table_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('data_type', sa.Text(), nullable=False),
    sa.Column('nullable', sa.Boolean(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('tags', sa.ARRAY(sa.Text()), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_columns')),
    sa.UniqueConstraint('table_id', 'name', name=op.f('uq_columns_table_id'))
    )
    op.create_table('grants',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('permission', sa.Text(), nullable=False),
    sa.Column('user_id', sa.BigInteger(), nullable=True),
    sa.Column('group_id', sa.BigInteger(), nullable=True),
    sa.Column('object_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("permission IN ('APPLICATION_ADMIN', 'GOVERNANCE', 'DATA_OWNER')", name=op.f('ck_grants_permission')),
    sa.CheckConstraint('(user_id IS NULL) <> (group_id IS NULL)', name=op.f('ck_grants_one_principal')),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_grants_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['object_id'], ['data_objects.id'], name=op.f('fk_grants_object_id_data_objects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grants')),
    sa.UniqueConstraint('permission', 'user_id', 'group_id', 'object_id', name=op.f('uq_grants_permission'), postgresql_nulls_not_distinct=True)
    )
    op.create_index(op.f('ix_grants_group_id'), 'grants', ['group_id'], unique=False)
    op.create_index(op.f('ix_grants_object_id'), 'grants', ['object_id'], unique=False)
    op.create_index(op.f('ix_grants_user_id'), 'grants', ['user_id'], unique=False)
    op.create_table('job_subtasks',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('job_id', sa.BigInteger(), nullable=False),
    sa.Column('database', sa.Text(), nullable=False),
    sa.Column('schema', sa.Text(), nullable=False),
    sa.Column('tables', sa.ARRAY(sa.Text()), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('summary', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'succeeded', 'held', 'failed')", name=op.f('ck_job_subtasks_status')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_subtasks_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_subtasks')),
    sa.UniqueConstraint('job_id', 'database', 'schema', name=op.f('uq_job_subtasks_job_id'))
    )
    op.create_table('object_tags',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('object_id', sa.BigInteger(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('system', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['object_id'], ['data_objects.id'], name=op.f('fk_object_tags_object_id_data_objects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_object_tags')),
    sa.UniqueConstraint('object_id', 'name', name=op.f('uq_object_tags_object_id'))
    )
    op.create_table('owner_requests',
    sa.Column('id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('table_id', sa.BigInteger(), nullable=False),
    sa.Column('column_name', sa.Text(), nullable=False),
    sa.Column('event_id', sa.UUID(as_uuid=False), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.BigInteger(), nullable=True),
    sa.CheckConstraint("kind IN ('column_added', 'column_deleted')", name=op.f('ck_owner_requests_kind')),
    sa.CheckConstraint("status IN ('pending', 'validated')", name=op.f('ck_owner_requests_status')),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_owner_requests_resolved_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['table_id'], ['data_objects.id'], name=op.f('fk_owner_requests_table_id_data_objects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owner_requests')),
    sa.UniqueConstraint('event_id', name=op.f('uq_owner_requests_event_id'))
    )
    op.create_index(op.f('ix_owner_requests_table_id'), 'owner_requests', ['table_id'], unique=False)


    # The dictionary follows its table without a foreign key: per-row FK checks (and the row locks they
    # take on data_objects) would triple the cost of bulk-loading a 500k-column schema.
    op.execute("""
        CREATE FUNCTION delete_columns_of_deleted_objects() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM columns c USING deleted_objects d WHERE c.table_id = d.id;
            RETURN NULL;
        END $$
    """)
    op.execute("""
        CREATE TRIGGER data_objects_cascade_to_columns AFTER DELETE ON data_objects
        REFERENCING OLD TABLE AS deleted_objects FOR EACH STATEMENT
        EXECUTE FUNCTION delete_columns_of_deleted_objects()
    """)


def downgrade() -> None:
    op.execute("DROP TRIGGER data_objects_cascade_to_columns ON data_objects")
    op.execute("DROP FUNCTION delete_columns_of_deleted_objects()")
    op.drop_index(op.f('ix_owner_requests_table_id'), table_name='owner_requests')
    op.drop_table('owner_requests')
    op.drop_table('object_tags')
    op.drop_table('job_subtasks')
    op.drop_index(op.f('ix_grants_user_id'), table_name='grants')
    op.drop_index(op.f('ix_grants_object_id'), table_name='grants')
    op.drop_index(op.f('ix_grants_group_id'), table_name='grants')
    op.drop_table('grants')
    op.drop_table('columns')
    op.drop_index(op.f('ix_webhook_deliveries_subscription_id'), table_name='webhook_deliveries')
    op.drop_index(op.f('ix_webhook_deliveries_next_attempt_at'), table_name='webhook_deliveries')
    op.drop_index(op.f('ix_webhook_deliveries_event_id'), table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_index(op.f('ix_jobs_connection_id'), table_name='jobs')
    op.drop_table('jobs')
    op.drop_table('group_members')
    op.drop_index('ix_data_objects_path', table_name='data_objects')
    op.drop_index(op.f('ix_data_objects_parent_id'), table_name='data_objects')
    op.drop_index(op.f('ix_data_objects_connection_id'), table_name='data_objects')
    op.drop_table('data_objects')
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
    op.drop_table('webhook_subscriptions')
    op.drop_table('users')
    op.drop_table('relay_cursors')
    op.drop_table('groups')
    op.drop_index(op.f('ix_connections_next_sync_at'), table_name='connections')
    op.drop_table('connections')
    op.drop_index(op.f('ix_change_events_type'), table_name='change_events')
    op.drop_index('ix_change_events_object_path', table_name='change_events')
    op.drop_index(op.f('ix_change_events_job_id'), table_name='change_events')
    op.drop_table('change_events')
