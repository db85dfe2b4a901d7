"""Where the record lives and how to open it: SQLite file (WAL) by default, PostgreSQL by URL; migrate on open."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_FILE_NAME = "hpgtwin.sqlite"
SQLITE_BUSY_TIMEOUT_MS = 30_000  # assumption: a writer waits up to 30 s for another writer before failing
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def data_dir() -> Path:
    """The folder for the default SQLite file: ``HPGTWIN_DATA_DIR`` or ``./var``."""
    return Path(os.environ.get("HPGTWIN_DATA_DIR") or Path.cwd() / "var")


def database_url(url: str | None = None) -> str:
    """The database to use: ``url`` if given, else ``HPGTWIN_DATABASE_URL``, else the default SQLite file."""
    chosen = url or os.environ.get("HPGTWIN_DATABASE_URL")
    if chosen:
        return chosen
    return f"sqlite:///{data_dir() / SQLITE_FILE_NAME}"


def _configure_sqlite(engine: Engine) -> None:
    """WAL journal, full sync, foreign keys, a busy timeout, and BEGIN IMMEDIATE so writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None) -> Engine:
    """Create the engine for ``url`` (see :func:`database_url`), creating the SQLite folder when needed."""
    resolved = make_url(database_url(url))
    if resolved.get_backend_name() == "sqlite":
        if resolved.database and resolved.database != ":memory:":
            Path(resolved.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            resolved, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(resolved, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision shipped in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
