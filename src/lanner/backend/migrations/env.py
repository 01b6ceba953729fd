"""Alembic environment: migrations run on a connection handed over by `lanner.backend.migrate`."""

from __future__ import annotations

from alembic import context

from lanner.backend.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `lanner sys database migrate`, not alembic's CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
