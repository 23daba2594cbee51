"""Alembic's entry point: migrations run on the connection `ui.database.migrate` hands over."""

from alembic import context

connection = context.config.attributes["connection"]
# Batch mode lets later migrations alter SQLite tables (it copies them: SQLite has little ALTER).
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
