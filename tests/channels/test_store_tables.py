"""Workers starting together on a new channels database all end up with its tables."""

from __future__ import annotations

import sqlalchemy as sa

from channels import store


def test_a_worker_that_loses_the_race_to_create_a_table_starts_anyway(tmp_path, monkeypatch):
    real_create_all = store.Base.metadata.create_all
    lost: list[int] = []

    def create_all_after_another_worker(engine, **kwargs):
        if not lost:
            real_create_all(engine, **kwargs)  # the other worker's CREATE won
            lost.append(1)
            raise sa.exc.OperationalError("CREATE TABLE telegram_files", {},
                                          Exception("table telegram_files already exists"))
        return real_create_all(engine, **kwargs)

    monkeypatch.setattr(store.Base.metadata, "create_all", create_all_after_another_worker)
    engine = store.make_engine(f"sqlite:///{tmp_path / 'channels.sqlite3'}")
    assert lost == [1]
    assert set(store.Base.metadata.tables) <= set(sa.inspect(engine).get_table_names())
    engine.dispose()
