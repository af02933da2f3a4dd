#!/usr/bin/env python3
"""User-space instructions per typed call, for each contender of the `overhead` bench, counted
by valgrind's callgrind: a figure that does not drift with the load of a shared machine, unlike
CPU time.

Usage: benches/instructions/run.py [--calls 1000] [--concurrency 1]

It builds the `overhead` bench (release), then runs it under callgrind once per contender with
`PROMPTFN_BENCH_ONLY`, twice: with N calls and with 3N. The difference divided by 2N is the
cost of one call; start-up (clients, TLS roots, the runtime) cancels out. The count covers every
thread of the process, the loopback server's included, which is the same work for every
contender. Kernel work (syscalls, wakeups) is not counted: CPU time, in the `overhead` table,
covers it.

Needs valgrind on the PATH. A run takes a few minutes (callgrind is about 50 times slower than
the program).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONTENDERS = [
    "floor (raw reqwest)",
    "promptfn",
    "async-openai + serde_json",
    "floor + minimal serde_json",
    "floor on hyper-util (no reqwest)",
]


def bench_binary() -> Path:
    """Build the overhead bench and return its executable."""
    out = subprocess.run(
        [
            "cargo", "bench", "-p", "promptfn-benches", "--bench", "overhead",
            "--no-run", "--message-format=json",
        ],
        cwd=REPO, check=True, stdout=subprocess.PIPE, text=True,
    ).stdout
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable") \
                and message["target"]["name"] == "overhead":
            return Path(message["executable"])
    sys.exit("cargo did not report the overhead bench's executable")


def instructions(binary: Path, contender: int, calls: int, concurrency: int) -> int:
    """Total instructions of one run of `calls` calls by `contender`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        env = dict(
            os.environ,
            PROMPTFN_BENCH_ONLY=str(contender),
            PROMPTFN_BENCH_CALLS=str(calls),
            PROMPTFN_BENCH_CONCURRENCY=str(concurrency),
        )
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             str(binary), "--bench"],
            env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for line in out.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    sys.exit("callgrind wrote no total")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (it counts the instructions)")

    binary = bench_binary()
    per_call = []
    for contender, name in enumerate(CONTENDERS):
        small = instructions(binary, contender, args.calls, args.concurrency)
        large = instructions(binary, contender, 3 * args.calls, args.concurrency)
        per_call.append((name, (large - small) / (2 * args.calls)))

    floor = per_call[0][1]
    print(f"| client | instructions per call | × floor |  (concurrency {args.concurrency})")
    print("|---|---:|---:|")
    for name, count in per_call:
        print(f"| {name} | {count:,.0f} | {count / floor:.3f} |")


if __name__ == "__main__":
    main()
