"""Start-up, as a whole process: from `python -m bot sandbox` to the bot's first answer, and to its exit.

    python -m bench.startup [--runs 5]

Each run starts a new process with the script `alice: /help`: the sandbox comes up, the bot loads, logs in,
syncs its commands and connects, the sandbox's member runs /help, and the process prints the answer and
stops. "To the first answer" is when that answer reaches standard output (the bot was ready before it);
"to exit" when the process has closed everything. The variants run in turn, --runs times each:
- kept: heartbot's cache folder as an earlier start left it (every start after the first);
- first start: an empty cache folder, but for the semantic reader's bank embeddings, which are copied in
  (built from nothing they take seconds, once per bank: "ever" below times that too, once);
- semantic off: SHIELD_SEMANTIC=off, the lexicon alone.
Python's own bytecode cache is on for every run, as after any install (a machine with
PYTHONDONTWRITEBYTECODE set would otherwise compile every module at every start). Target: under 1 s to the
first answer.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import spread
from bot.core.cache import cache_dir

SCRIPT = b"alice: /help\n"


def timed_start(env: dict[str, str]) -> tuple[float, float, float]:
    """Seconds to the first line of output and to exit, and the CPU seconds the process used."""
    started = time.perf_counter()
    before = os.times()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(SCRIPT)
    process.stdin.close()
    first_line = process.stdout.readline()
    answered = time.perf_counter() - started
    process.stdout.read()
    if process.wait() != 0 or not first_line:
        raise RuntimeError(f"the sandbox exited with {process.returncode} and printed {first_line!r}")
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return answered, time.perf_counter() - started, cpu


def main(runs: int) -> None:
    base = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    kept = cache_dir()
    with tempfile.TemporaryDirectory(prefix="heartbot-startup-") as scratch:
        empty = Path(scratch) / "cache"
        variants = {
            "kept": {**base, "HEARTBOT_CACHE_DIR": str(kept)},
            "first start": {**base, "HEARTBOT_CACHE_DIR": str(empty)},
            "semantic off": {**base, "HEARTBOT_CACHE_DIR": str(kept), "SHIELD_SEMANTIC": "off"},
        }
        ever = timed_start({**base, "HEARTBOT_CACHE_DIR": str(empty)})  # builds everything, bytecode too
        timed_start(variants["kept"])
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in variants}
        for _ in range(runs):
            for name, env in variants.items():
                if name == "first start":
                    shutil.rmtree(empty, ignore_errors=True)
                    empty.mkdir()
                    for bank in kept.glob("shield-bank-*.npy"):
                        shutil.copy(bank, empty / bank.name)
                results[name].append(timed_start(env))
    print(f"{'variant':<14}{'to the first answer s':>24}{'to exit s':>22}{'CPU s':>22}   ({runs} runs each)")
    for name, samples in results.items():
        answered, ended, cpu = zip(*samples, strict=True)
        print(f"{name:<14}{spread(answered, '.2f'):>24}{spread(ended, '.2f'):>22}{spread(cpu, '.2f'):>22}")
    print(f"ever (nothing cached, once): {ever[0]:.2f} s to the first answer")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    main(parser.parse_args().runs)
