#!/usr/bin/env python3
"""Summarise `perf script -F comm,period,ip,sym,srcline` output of a stackcheck profile.

usage: perf script -i perf.data -F comm,period,ip,sym,srcline | perf_summary.py SRC_DIR [TOP]

Prints three tables (percent of the stackcheck process's samples):
  1. self time by innermost function (what the CPU was executing: often libc's memcmp or malloc);
  2. the same samples attributed to the innermost *stackcheck* frame, with the source line of the
     call it was making (this is what to optimise: e.g. a linear `find` inside a loop);
  3. inclusive time of stackcheck functions (a function counts once per sample it is on the stack of).
Inlined frames count as frames (the profiling build keeps line tables, so perf resolves them).
A frame is stackcheck's when its symbol is in the crate (`stackcheck::…`) or its source file is one of
SRC_DIR's files (inlined frames carry a short name only); generic std frames over stackcheck types are not.
"""

import collections
import os
import re
import sys

NO_FRAME = "(no stackcheck frame: process start-up and exit, kernel work, unwinding gaps)"
# Basenames that std/core/deps use too: for them, require the symbol to name the crate.
AMBIGUOUS = {"mod.rs", "lib.rs", "main.rs"}


def project_files(src: str) -> set[str]:
    names = set()
    for _, _, files in os.walk(src):
        names.update(f for f in files if f.endswith(".rs"))
    return names


def parse(stream):
    """Yield the frame list (innermost first) of each stackcheck sample: [(name, 'file:line'), ...]."""
    sample, frames, pending = None, [], None
    for raw in stream:
        line = raw.rstrip("\n")
        if not line.strip():
            if sample is not None:
                if pending:
                    frames.append(pending)
                yield sample, frames
            sample, frames, pending = None, [], None
            continue
        if not line[0].isspace():
            parts = line.split()
            sample = (parts[0], int(parts[-1]) if parts[-1].isdigit() else 1)
            continue
        if line.startswith("\t"):
            # "\t<addr> <symbol>"
            if pending:
                frames.append(pending)
            m = re.match(r"\s*([0-9a-f]+)\s+(.*)", line)
            pending = [m.group(2) if m else line.strip(), "", False]
        else:
            # "  file.rs:123" or "  file.rs:123 (inlined)": the source line of the frame above.
            text = line.strip()
            if pending is not None:
                pending[1] = text.replace(" (inlined)", "")
                pending[2] = text.endswith("(inlined)")
    if sample is not None:
        if pending:
            frames.append(pending)
        yield sample, frames


def normalise(frames):
    """perf prints, per address, the real symbol (with the innermost source line) followed by its
    inlined frames, innermost first, each with its own source line; the last of them is the real
    symbol itself. Keep the inlined frames (giving the last one the real symbol's full name)."""
    out, i = [], 0
    while i < len(frames):
        name, src, _ = frames[i]
        j = i + 1
        inl = []
        while j < len(frames) and frames[j][2]:
            inl.append(frames[j])
            j += 1
        if inl:
            group = [(n, s) for n, s, _ in inl]
            outer = group[-1][0].split("<")[0]
            if outer and name.split("<")[0].endswith(outer):
                group[-1] = (name, group[-1][1])
            else:  # the line before was a frame of its own (a leaf such as memcmp)
                out.append((name, src))
            out.extend(group)
        else:
            out.append((name, src))
        i = j
    return out


def main() -> None:
    src = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    files = project_files(src)

    def is_project(name: str, srcline: str) -> bool:
        base = srcline.split(":")[0]
        if name.startswith(("stackcheck::", "<stackcheck::")):
            return True
        return base in files and base not in AMBIGUOUS

    def short(name: str) -> str:
        if len(name) > 90:
            name = re.sub(r"<[^<>]*(?:<[^<>]*>[^<>]*)*>", "<…>", name)
        return name if len(name) <= 100 else name[:99] + "…"

    total = 0
    self_t = collections.Counter()
    attributed = collections.Counter()
    inclusive = collections.Counter()
    no_frame = collections.Counter()  # innermost symbols of the samples with no stackcheck frame
    for (comm, period), frames in parse(sys.stdin):
        if comm != "stackcheck":
            continue
        frames = normalise(frames)
        if not frames:
            continue
        total += period
        self_t[short(frames[0][0])] += period
        proj = [(n, s) for n, s in frames if is_project(n, s)]
        if proj:
            n, s = proj[0]
            if n.startswith("{closure") and len(proj) > 1:
                n = f"{short(proj[1][0])} › {n}"  # a closure: name the function it is in
            attributed[f"{short(n)}  ({s})"] += period
        else:
            attributed[NO_FRAME] += period
            no_frame[short(frames[0][0])] += period
        for n in dict.fromkeys(short(n) for n, _ in proj):
            inclusive[n] += period

    if not total:
        print("no stackcheck samples")
        return

    def table(title, counter):
        print(title)
        for name, v in counter.most_common(top):
            print(f"  {100 * v / total:5.1f}%  {name}")
        print()

    table("Self time, innermost function:", self_t)
    print("Self time attributed to the innermost stackcheck frame (source line of its call; a std/deps")
    print("file there means std or dependency code inlined into that function):")
    for name, v in attributed.most_common(top):
        print(f"  {100 * v / total:5.1f}%  {name}")
        if name == NO_FRAME:
            print("           mostly in: " + ", ".join(f"{n} {100 * c / total:.1f}%" for n, c in no_frame.most_common(4)))
    print()
    table("Inclusive time of stackcheck functions:", inclusive)


if __name__ == "__main__":
    main()
