"""The one database of listeners' questions, votes and rate-limit windows (SQLAlchemy): a SQLite
file in the data dir by default, PostgreSQL when several `serve` processes share it. Opening it
brings its schema up to date with the Alembic migrations in `ui/migrations/`."""

import contextlib
import logging
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import click
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
DEFAULT_FILE = "feedback.sqlite3"  # the file earlier releases kept: its data carries over
# Any constant works; every replica must use the same one so only one of them migrates at once.
_MIGRATION_LOCK = 7_214_001


class DatabaseUnavailable(click.ClickException):
    """The database can't be opened: a bad URL, a server that doesn't answer or refuses us."""


def default_url(data_dir: Path) -> str:
    """The SQLite file in the data dir that `serve` used before there was a database setting."""
    return f"sqlite:///{(Path(data_dir) / DEFAULT_FILE).resolve()}"


def url_of(target: str | Path) -> str:
    """A database URL for `target`: a URL as is, a path as the SQLite file at that path."""
    if isinstance(target, Path) or "://" not in target:
        return f"sqlite:///{Path(target).resolve()}"
    return target


def describe(url: str) -> str:
    """The URL as safe to print: no password."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(a malformed URL)"


def open_engine(target: str | Path) -> sa.Engine:
    """An engine for `target` (URL or SQLite path), its schema migrated to the latest; raises
    `DatabaseUnavailable`, naming the URL without its password, when that fails."""
    try:
        url = sa.make_url(url_of(target))
        if url.get_backend_name() == "sqlite":
            if url.database:
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(url, connect_args={"timeout": 30})
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        else:
            # A server that never answers must not hang start-up: give up after 10 s.
            engine = sa.create_engine(
                url,
                pool_size=10,
                max_overflow=20,
                pool_pre_ping=True,
                connect_args={"connect_timeout": 10},
            )
        migrate(engine)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, sa.exc.OperationalError) as exc:
        where = describe(str(target)) if "://" in str(target) else str(target)
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DatabaseUnavailable(f"can't open the database {where}: {reason}") from exc
    return engine


_write_locks: "weakref.WeakKeyDictionary[sa.Engine, threading.Lock]" = weakref.WeakKeyDictionary()
_locks_lock = threading.Lock()


@contextlib.contextmanager
def writing(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A write transaction. On SQLite this process's writers queue on a lock first: SQLite
    lets one writer in at a time and makes the others poll (its busy timeout sleeps up to
    100 ms a try), and under 50 clients some lost for seconds; a lock hands over at once."""
    if engine.dialect.name != "sqlite":
        with engine.begin() as connection:
            yield connection
        return
    with _locks_lock:
        lock = _write_locks.setdefault(engine, threading.Lock())
    with lock, engine.begin() as connection:
        yield connection


def memory_engine() -> sa.Engine:
    """A private in-memory SQLite database (one connection), migrated: for a process alone."""
    engine = sa.create_engine(
        "sqlite://", poolclass=sa.pool.StaticPool, connect_args={"check_same_thread": False}
    )
    migrate(engine)
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA secure_delete = ON")  # a forgotten question leaves no free page behind
    # Every question writes twice (its rate-limit window, then the answer). In the default
    # rollback journal each commit waits for several fsyncs while every other writer waits on
    # SQLite's busy timeout: on the 50-client bench that cost two thirds of the answers and put
    # p95 past 10 s. A write-ahead log commits without fsync (a power cut may lose the last
    # few votes, never the file); truncated to nothing at each checkpoint, so it holds no old
    # copies of forgotten questions for long.
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA journal_size_limit = 0")
    cursor.close()


def migrate(engine: sa.Engine) -> None:
    """Apply the migrations this release has and the database lacks (one replica at a time)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # held until this transaction ends
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return
        log.info("migrating the database from %s to %s", current or "empty", head)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


# The tables as the queries see them; their history is in ui/migrations/versions/.
metadata = sa.MetaData()
exchanges = sa.Table(
    "exchanges",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("asked_at", sa.Text, nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("sources", sa.Text, nullable=False),
    sa.Column("refused", sa.Integer, nullable=False),
    sa.Column("urgent", sa.Integer, nullable=False),
    sa.Column("vote", sa.Integer),
    sa.Column("voted_at", sa.Text),
)
rate_limits = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("window_start", sa.Float, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
)
