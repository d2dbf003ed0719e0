"""The data version the database keeps (migration 0007) and the service's watcher of it.

Writes here commit for real, so they change nothing durable: a statement that matches no row
still fires the statement-level triggers, which is all the version counts.
"""

import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import Engine, create_engine, text

from app.db.models import DATA_VERSION_CHANNEL
from app.runtime.answers import DataVersionWatcher

NO_ROW = "UPDATE {table} SET {column} = {column} WHERE false"
WAIT_S = 10.0


def version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT version FROM data_version")).scalar_one())


def touch(engine: Engine, table: str = "facilities", column: str = "name") -> None:
    with engine.begin() as conn:
        conn.execute(text(NO_ROW.format(table=table, column=column)))


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("regions", "name"),
        ("facilities", "name"),
        ("population_cells", "population"),
        ("road_networks", "name"),
        ("road_nodes", "node_id"),
        ("road_edges", "highway"),
    ],
)
def test_a_committed_write_to_any_watched_table_bumps_the_version(
    engine: Engine, table: str, column: str
) -> None:
    before = version(engine)
    touch(engine, table, column)
    assert version(engine) == before + 1


def test_one_bump_per_transaction_none_for_reads_or_rollbacks(engine: Engine) -> None:
    before = version(engine)
    with engine.begin() as conn:
        for _ in range(3):
            conn.execute(text(NO_ROW.format(table="facilities", column="name")))
        conn.execute(text(NO_ROW.format(table="regions", column="name")))
    assert version(engine) == before + 1
    # a read, a rolled-back write, a write to a table the answers do not depend on
    with engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM facilities"))
        conn.execute(text("UPDATE api_tokens SET name = name WHERE false"))
    with engine.connect() as conn:
        conn.execute(text(NO_ROW.format(table="facilities", column="name")))
        conn.rollback()
    assert version(engine) == before + 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM data_version_pending")).scalar_one() == 0


def test_a_rolled_back_savepoint_takes_its_change_note_with_it(engine: Engine) -> None:
    before = version(engine)
    with engine.begin() as conn:
        savepoint = conn.begin_nested()
        conn.execute(text(NO_ROW.format(table="facilities", column="name")))
        savepoint.rollback()
    assert version(engine) == before
    with engine.begin() as conn:
        savepoint = conn.begin_nested()
        conn.execute(text(NO_ROW.format(table="facilities", column="name")))
        savepoint.commit()
    assert version(engine) == before + 1


def test_the_bump_is_announced_with_the_new_number(engine: Engine) -> None:
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    with psycopg.connect(*args, **{**kwargs, "autocommit": True}) as listener:
        listener.execute(f"LISTEN {DATA_VERSION_CHANNEL}")
        touch(engine)
        notes = list(listener.notifies(timeout=WAIT_S, stop_after=1))
    assert [note.payload for note in notes] == [str(version(engine))]


@pytest.fixture
def watcher(engine: Engine) -> Iterator[DataVersionWatcher]:
    # an engine of its own: commits through it are "this process's" writes
    own = create_engine(engine.url)
    watched = DataVersionWatcher(own)
    watched.start()
    yield watched
    watched.stop()
    own.dispose()


def test_the_watcher_follows_writes_of_other_processes(
    engine: Engine, watcher: DataVersionWatcher
) -> None:
    wait_for(lambda: watcher.version is not None, "the watcher to listen")
    assert watcher.version == version(engine)
    touch(engine)  # another engine: as another process
    expected = version(engine)
    wait_for(lambda: watcher.version == expected, "the notification")


def test_a_local_write_forgets_the_version_until_it_is_read_again(
    engine: Engine, watcher: DataVersionWatcher
) -> None:
    wait_for(lambda: watcher.version is not None, "the watcher to listen")
    # a read-only transaction through the watched engine keeps the version
    with watcher.engine.begin() as conn:
        conn.execute(text("SELECT count(*) FROM facilities"))
    assert watcher.version is not None
    touch(watcher.engine)
    # forgotten at once, so no answer of the older version is served to the writer
    assert watcher.version is None
    assert watcher.read() == version(engine)
    assert watcher.version == version(engine)


def test_a_stopped_watcher_knows_no_version_and_remembers_no_read(
    engine: Engine, watcher: DataVersionWatcher
) -> None:
    wait_for(lambda: watcher.version is not None, "the watcher to listen")
    watcher.stop()
    assert watcher.version is None
    assert watcher.read() == version(engine)
    assert watcher.version is None
