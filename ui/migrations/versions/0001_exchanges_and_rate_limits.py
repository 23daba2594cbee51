"""Answered questions with their votes, and the shared rate-limit windows.

An existing `feedback.sqlite3` from before migrations already holds `exchanges` in this very
shape: it is kept as it is, with its data.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables a database lacks."""
    existing = sa.inspect(op.get_bind()).get_table_names()
    if "exchanges" not in existing:
        op.create_table(
            "exchanges",
            sa.Column("id", sa.Text, primary_key=True),
            # ISO 8601 in UTC: text sorts as time does, in SQLite and PostgreSQL alike.
            sa.Column("asked_at", sa.Text, nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("answer", sa.Text, nullable=False),
            sa.Column("sources", sa.Text, nullable=False),
            sa.Column("refused", sa.Integer, nullable=False),
            sa.Column("urgent", sa.Integer, nullable=False),
            sa.Column("vote", sa.Integer),
            sa.Column("voted_at", sa.Text),
        )
        op.create_index("exchanges_asked_at", "exchanges", ["asked_at"])
    if "rate_limits" not in existing:
        op.create_table(
            "rate_limits",
            sa.Column("key", sa.Text, primary_key=True),
            sa.Column("window_start", sa.Float, nullable=False),
            sa.Column("count", sa.Integer, nullable=False),
        )


def downgrade() -> None:
    """Drop the rate-limit windows (the questions stay: they are the owner's data)."""
    op.drop_table("rate_limits")
