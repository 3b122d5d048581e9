"""The benchmarks of bench/ that run at scale, each in a small smoke run: they finish and print their
figures (the figures themselves are the benchmarks' business, never asserted here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import interactions_backends, timers_at_scale
from bot.core.pg_schema import PgSchema


async def test_timers_at_scale_runs_two_processes_each_timer_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pg_schema: PgSchema
) -> None:
    setups = [s for s in timers_at_scale.SETUPS if s.name.endswith(("1 process", "2 processes"))]
    targets = {"sqlite": str(tmp_path / "timers.db"), "postgres": pg_schema.url}
    await timers_at_scale.load(targets, 1000)
    figures = {
        setup.name: [await timers_at_scale.measure(setup, targets[setup.store], 200, key)]
        for key, setup in enumerate(setups, start=1)
    }
    timers_at_scale.report(figures, 200)
    printed = capsys.readouterr().out
    assert "postgres, 2 processes: 200 due at once, all done in" in printed
    assert "process 2: ran" in printed
    assert "each of the 200 ran once" in printed
    assert "postgres, 2 processes / postgres, 1 process, the burst's time, same run:" in printed


@pytest.mark.e2e
async def test_interactions_backends_prints_each_command_on_both(
    capsys: pytest.CaptureFixture[str], postgres_url: str
) -> None:
    await interactions_backends.main(runs=1, samples=2, server=postgres_url)
    printed = capsys.readouterr().out
    for command in ("/ping", "/progress set episode:S2E3", "/progress show", "/watchparty list"):
        assert f"{command:<28}sqlite" in printed
        assert f"{command:<28}postgres" in printed
    assert printed.count("pg/sqlite") == 4
