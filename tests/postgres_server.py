"""Pytest plugin: a real PostgreSQL server for the session, and the database tests run on both
SQLite and PostgreSQL.

Debian's `postgresql` package provides `initdb` and `pg_ctl` (`make test` installs it when run as
root); without them the PostgreSQL half skips and says why. The server lives in a temp dir, on a
free 127.0.0.1 port, trusts local connections, and is stopped at the end of the session. As
root it runs as `nobody` (PostgreSQL refuses to run as root). Each test gets a database of its
own, so tests sharing the server never see each other's rows.
"""

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

# Modules whose tests run once on SQLite and once on PostgreSQL.
BOTH_DATABASES = {"test_feedback", "test_retention", "test_web_ratelimit"}
_names = itertools.count()


def postgres_bin() -> Path | None:
    """Folder of Debian's PostgreSQL server programs (the newest installed), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(cmd: list[str]) -> list[str]:
    """`cmd` run as `nobody` when we are root (initdb and postgres refuse root)."""
    return ["runuser", "-u", "nobody", "--", *cmd] if os.geteuid() == 0 else cmd


def start_postgres() -> tuple[Path, str]:
    """initdb in a new temp dir and start the server on a free port; (its dir, its URL)."""
    bin_dir = postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="podcast-pg-"))  # not under pytest's root-only tmp
    if os.geteuid() == 0:
        shutil.chown(root, "nobody")
    data, port = root / "data", _free_port()
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
    subprocess.run(_as_owner([*initdb, "-E", "UTF8", "--no-sync"]), check=True, capture_output=True)
    # A test server: durability is not what is tested, speed is welcome.
    options = (
        f"-p {port} -h 127.0.0.1 -k {root} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=300"
    )
    start = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-o", options]
    subprocess.run(_as_owner([*start, "-w", "-t", "60", "start"]), check=True, capture_output=True)
    return root, f"postgresql+psycopg://postgres@127.0.0.1:{port}"


def stop_postgres(root: Path) -> None:
    """Stop a server started by `start_postgres` and delete its files."""
    pg_ctl = str(postgres_bin() / "pg_ctl")
    subprocess.run(
        _as_owner([pg_ctl, "-D", str(root / "data"), "-m", "immediate", "-w", "stop"]),
        capture_output=True,
    )
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """URL (without a database) of a real PostgreSQL server for the session."""
    if postgres_bin() is None:
        pytest.skip(
            "POSTGRESQL TESTS SKIPPED: initdb/pg_ctl not found. Install Debian's postgresql "
            "(`make test` does this when run as root: apt-get install postgresql)."
        )
    root, url = start_postgres()
    yield url
    stop_postgres(root)


def new_database(server_url: str) -> str:
    """Create an empty database on the server; its URL."""
    import sqlalchemy as sa

    name = f"t{os.getpid()}_{next(_names)}"
    engine = sa.create_engine(f"{server_url}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as db:
        db.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{server_url}/{name}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if module in BOTH_DATABASES and "database" in metafunc.fixturenames:
        metafunc.parametrize("database", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def database(request) -> str:
    """Which database the test runs on: "sqlite" (default) or "postgresql"."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(request, database, tmp_path, monkeypatch) -> str:
    """A fresh database for the test: `feedback.sqlite3` in `tmp_path` (the default of a data
    dir there), or a new PostgreSQL database, then also set as PODCAST_ASSISTANT_DATABASE_URL
    for the CLI."""
    if database == "sqlite":
        return f"sqlite:///{tmp_path / 'feedback.sqlite3'}"
    url = new_database(request.getfixturevalue("postgres_server"))
    monkeypatch.setenv("PODCAST_ASSISTANT_DATABASE_URL", url)
    return url
