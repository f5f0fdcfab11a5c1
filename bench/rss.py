#!/usr/bin/env python3
"""Peak RSS (and exit status) of every command of one benchmark task.

usage: rss.py RESULTS_DIR TASK [RUNS]

Reads RESULTS_DIR/TASK.cmds.tsv (name TAB command, written by bench/run: the very commands hyperfine
timed) and RESULTS_DIR/TASK.json (hyperfine's export, for the median time), runs each command RUNS
times (default 5) under `/usr/bin/time -f %M` and writes RESULTS_DIR/TASK.rss.json:

    {"<name>": {"runs": [kB, ...], "median_kb": kB, "exit_codes": [..], "error": "..." or null}, ...}

(`error`: the first error line a command printed when it exited 2 or more, for the report.)

A command whose median time is over 5 s is run once only (the slow peers on the big replicas: their
peak RSS does not vary between runs, and five more runs would add minutes). For a command that is a
loop of processes (docker compose config), %M is the peak of the largest single process.
"""

import json
import shlex
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SLOW_SECONDS = 5.0


def main() -> None:
    results = Path(sys.argv[1])
    task = sys.argv[2]
    runs_wanted = int(sys.argv[3]) if len(sys.argv) > 3 else 5

    medians = {}
    hf = results / f"{task}.json"
    if hf.exists():
        for r in json.loads(hf.read_text())["results"]:
            medians[r["command"]] = r["median"]

    out = {}
    for line in (results / f"{task}.cmds.tsv").read_text().splitlines():
        name, cmd = line.split("\t", 1)
        runs = 1 if medians.get(name, 0) > SLOW_SECONDS else runs_wanted
        kbs, codes, error = [], [], None
        for _ in range(runs):
            with tempfile.NamedTemporaryFile("r") as tf:
                p = subprocess.run(
                    ["/usr/bin/time", "-f", "%M", "-o", tf.name, *shlex.split(cmd)],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                    errors="replace",
                )
                text = tf.read().strip().splitlines()
            codes.append(p.returncode)
            if p.returncode > 1 and error is None:
                # Exit 2 and up is an error, not findings: keep what the tool said, for the report.
                lines = [l.strip() for l in p.stderr.splitlines() if l.strip()]
                picked = [l for l in lines if "error" in l.lower()] or lines
                error = picked[0][:400] if picked else f"exit {p.returncode}, nothing on stderr"
            # /usr/bin/time writes "Command exited with non-zero status N" before %M.
            kbs.append(int(text[-1]))
        out[name] = {"runs": kbs, "median_kb": statistics.median(kbs), "exit_codes": codes, "error": error}
        print(f"  peak RSS {name}: {statistics.median(kbs) / 1024:.1f} MB (exit {codes[0]}, {runs} runs)")
    (results / f"{task}.rss.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
