"""A store error names its statement, never the values it carried: its text is logged, and a
failed event's error is kept in the dead-letter stream operators read."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, MetaData, String, Table, insert
from sqlalchemy.exc import IntegrityError

from shared.persistence.engine import create_engine

NIK = "6305015708900002"


async def test_a_store_error_hides_the_values_of_its_statement(tmp_path):
    people = Table("people", MetaData(), Column("nik", String(16), primary_key=True))
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(people.metadata.create_all)
            await connection.execute(insert(people), {"nik": NIK})
        with pytest.raises(IntegrityError) as refused:
            async with engine.begin() as connection:
                await connection.execute(insert(people), {"nik": NIK})
    finally:
        await engine.dispose()
    assert "INSERT INTO people" in str(refused.value)
    assert NIK not in str(refused.value) and NIK not in repr(refused.value)
