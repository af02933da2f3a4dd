#!/usr/bin/env python3
"""The peer comparison of BENCHMARKS.md in one command: CPU per typed call of promptfn against
async-openai, genai and rig (Rust) and the openai SDK, instructor, pydantic-ai and magentic
(Python), plus cold start (client build + first typed call) of the Rust clients.

Usage: benches/peers/run.py [--rounds 15] [--batch-ms 300] [--cold-rounds 5]

It builds `peer` (this directory's crate, release), builds one virtual environment per Python
client in benches/peers/.venv-NAME with the versions pinned in python/requirements-NAME.txt
(once; rebuilt when that file changes), starts the loopback server in a process of its own, and starts one worker process
per client. Each worker builds its client and makes one call (checked: the answer must be the
expected `Person`), then warms up; every round then asks each worker, in an order that rotates
from round to round, for a batch of calls one after another (concurrency 1) sized to take about
`--batch-ms`, and reads back the process CPU time the batch took. The server's CPU is in its own
process, so a worker's process CPU time is its client's alone. The table gives, per client, the
median CPU per call over rounds and the median over rounds of its ratio to promptfn's batch of
the same round; wall time per call is shown too (it includes the server's time to answer).

Cold start runs `peer cold NAME` in a fresh process per round: client build plus first typed call,
wall and CPU time, median of `--cold-rounds`.
"""

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (worker name, table name, how it asks for the typed value)
RUST = [
    ("promptfn", "promptfn", "`#[prompt]` fn, strict `json_schema` response format"),
    ("json-floor", "floor + minimal serde_json (reference)", "the request bytes spliced, "
     "the completion parsed down to its content"),
    ("async-openai", "async-openai 0.43 + serde_json", "`json_schema` response format, "
     "content decoded with serde_json"),
    ("genai", "genai 0.7.2 + serde_json", "`JsonSpec` response format, content decoded with "
     "serde_json"),
    ("rig", "rig-core 0.44 + serde_json", "`output_schema` on a chat-completions model, text "
     "decoded with serde_json"),
]
PYTHON = [
    ("openai", "openai (Python SDK)", "`chat.completions.parse(response_format=Person)`"),
    ("instructor", "instructor", "`response_model=Person`, default mode (forced tool call)"),
    ("pydantic-ai", "pydantic-ai", "`Agent(output_type=Person).run_sync` (output tool)"),
    ("magentic", "magentic", "`@prompt` fn returning `Person` (streamed forced tool call)"),
]
COLD = ["promptfn", "async-openai", "genai", "rig"]


def build_peer() -> Path:
    """Build the Rust half (release) and return the `peer` executable."""
    manifest = HERE / "Cargo.toml"
    subprocess.run(["cargo", "build", "--release", "--manifest-path", str(manifest)], check=True)
    metadata = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps", "--manifest-path",
         str(manifest)],
        check=True, stdout=subprocess.PIPE, text=True,
    ).stdout
    return Path(json.loads(metadata)["target_directory"]) / "release" / "peer"


def python_env(name: str) -> Path:
    """The Python of the virtual environment holding the client `name` at the versions pinned in
    python/requirements-NAME.txt, built when missing or when that file changed. Each client has
    an environment of its own: their pins conflict (instructor 1.17 holds jiter below 0.15,
    which the openai SDK versions pydantic-ai needs have left)."""
    requirements = HERE / "python" / f"requirements-{name}.txt"
    env = HERE / f".venv-{name}"
    python = env / "bin" / "python"
    stamp = env / "requirements.sha256"
    wanted = hashlib.sha256(requirements.read_bytes()).hexdigest()
    if not python.exists() or not stamp.exists() or stamp.read_text() != wanted:
        print(f"building {env}", file=sys.stderr)
        venv.EnvBuilder(clear=True, with_pip=True).create(env)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-r",
             str(requirements)],
            check=True,
        )
        subprocess.run([str(python), "-m", "pip", "check"], check=True)
        stamp.write_text(wanted)
    return python


class Worker:
    """One client in a process of its own, speaking the `peer client` protocol."""

    def __init__(self, name: str, label: str, how: str, command: list[str]):
        self.name, self.label, self.how = name, label, how
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        ready = self.process.stdout.readline().strip()
        if ready != "ready":
            sys.exit(f"{name} did not start (said {ready!r}); see its error above")
        self.calls = 1
        self.cpu_per_call: list[float] = []
        self.wall_per_call: list[float] = []

    def batch(self, calls: int) -> tuple[float, float]:
        """Make `calls` calls; CPU and wall seconds per call."""
        self.process.stdin.write(f"{calls}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline().split()
        if len(line) != 2:
            sys.exit(f"{self.name} failed during a batch; see its error above")
        cpu_ns, wall_ns = (int(x) for x in line)
        return cpu_ns / 1e9 / calls, wall_ns / 1e9 / calls

    def warm_up(self, batch_seconds: float) -> None:
        """A few calls, then enough to size a batch at `batch_seconds` of wall time."""
        self.batch(20)
        _, wall = self.batch(50)
        self.calls = max(20, int(batch_seconds / max(wall, 1e-7)))
        self.batch(self.calls)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def median_ratio(worker: Worker, reference: Worker) -> float:
    return statistics.median(a / b for a, b in zip(worker.cpu_per_call, reference.cpu_per_call))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch-ms", type=int, default=300)
    parser.add_argument("--cold-rounds", type=int, default=5)
    args = parser.parse_args()

    peer = build_peer()
    pythons = {name: python_env(name) for name, _, _ in PYTHON}
    server = subprocess.Popen([str(peer), "serve"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    origin = server.stdout.readline().strip()
    workers = [Worker(n, l, h, [str(peer), "client", n, origin]) for n, l, h in RUST]
    workers += [Worker(n, l, h, [str(pythons[n]), str(HERE / "python" / "clients.py"), n,
                                 origin])
                for n, l, h in PYTHON]
    try:
        for worker in workers:
            worker.warm_up(args.batch_ms / 1000)
        for round_ in range(args.rounds):
            shift = round_ % len(workers)
            for worker in workers[shift:] + workers[:shift]:
                cpu, wall = worker.batch(worker.calls)
                worker.cpu_per_call.append(cpu)
                worker.wall_per_call.append(wall)
            print(f"round {round_ + 1}/{args.rounds}", file=sys.stderr)
        cold = {}
        for round_ in range(args.cold_rounds):
            for name in COLD:
                out = subprocess.run([str(peer), "cold", name, origin], check=True,
                                     stdout=subprocess.PIPE, text=True).stdout.split()
                cold.setdefault(name, []).append((int(out[0]) / 1e6, int(out[1]) / 1e6))
    finally:
        for worker in workers:
            worker.close()
        server.stdin.close()
        server.wait()

    promptfn = workers[0]
    print(f"CPU per typed call at concurrency 1, {args.rounds} rounds "
          f"(median of rounds; ratio = median of per-round ratios to promptfn)\n")
    print("| client | asks for the typed value with | CPU per call | × promptfn | wall per call |")
    print("|---|---|---:|---:|---:|")
    for w in workers:
        print(f"| {w.label} | {w.how} | {statistics.median(w.cpu_per_call) * 1e6:,.1f} µs | "
              f"{median_ratio(w, promptfn):.2f} | {statistics.median(w.wall_per_call) * 1e6:,.1f} µs |")
    print(f"\nCold start: client build + first typed call, fresh process, "
          f"median of {args.cold_rounds} rounds\n")
    print("| client | wall | CPU |")
    print("|---|---:|---:|")
    for name in COLD:
        cpu = statistics.median(c for c, _ in cold[name])
        wall = statistics.median(w for _, w in cold[name])
        print(f"| {name} | {wall:.1f} ms | {cpu:.1f} ms |")


if __name__ == "__main__":
    main()
