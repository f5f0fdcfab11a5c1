#!/usr/bin/env python3
"""Summarise the peak snapshot of a valgrind massif profile of stackcheck.

usage: massif_summary.py MASSIF_OUT SRC_DIR [TOP]

Prints the peak heap and, for the bytes live at the peak, where they were allocated: each allocation
is attributed to the innermost stackcheck frame of its call stack (function and source line), the way
bench/perf_summary.py attributes CPU time. A frame is stackcheck's when its function is in the crate
(`stackcheck::…`) or its source file is one of SRC_DIR's files (inlined frames carry a short name).
"""

import collections
import os
import re
import sys

AMBIGUOUS = {"mod.rs", "lib.rs", "main.rs"}
# Derived-trait code (`#[derive(Clone)]` on a tree type recurses through it): not where to optimise.
DERIVED = {"clone", "clone_from", "to_owned", "to_vec", "cloned", "{closure#0}"}
NODE = re.compile(r"^( *)n(\d+): (\d+) (.*)$")
# "0x4955A2: readdir (unix.rs:2066)" or "0x321274: UnknownInlinedFun (library/std/src/fs.rs:3312)"
FRAME = re.compile(r"^0x[0-9A-Fa-f]+: (.*?)(?: \(([^()]*:\d+)\))?$")


def parse_snapshots(path):
    snaps, cur = [], None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("snapshot="):
                cur = {"lines": []}
                snaps.append(cur)
            elif cur is not None and "=" in line and not NODE.match(line) and not cur["lines"]:
                k, v = line.split("=", 1)
                cur[k] = v
            elif cur is not None and NODE.match(line):
                cur["lines"].append(line)
    return snaps


def build_tree(lines):
    """[(depth, bytes, desc, children)] from massif's indented node lines."""
    root, stack = None, []
    for line in lines:
        m = NODE.match(line)
        depth, nbytes, desc = len(m.group(1)), int(m.group(3)), m.group(4)
        node = {"bytes": nbytes, "desc": desc, "children": []}
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            stack[-1][1]["children"].append(node)
        else:
            root = node
        stack.append((depth, node))
    return root


def main() -> None:
    massif, src = sys.argv[1], sys.argv[2]
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    files = set()
    for _, _, fs in os.walk(src):
        files.update(f for f in fs if f.endswith(".rs"))

    def project(desc):
        """(label, derived) for a stackcheck frame, None for any other frame."""
        m = FRAME.match(desc)
        if not m:
            return None
        func, loc = m.group(1), m.group(2) or ""
        base = os.path.basename(loc.split(":")[0]) if loc else ""
        if func.startswith(("stackcheck::", "<stackcheck::")) or (base in files and base not in AMBIGUOUS):
            func = re.sub(r"<.*>", "<…>", func) if len(func) > 80 else func
            label = f"{func}  ({os.path.basename(loc)})" if loc else func
            # `#[derive(Clone)]` code sits on the type's line: name who asked for the copy instead.
            bare = func
            while re.search(r"<[^<>]*>", bare):
                bare = re.sub(r"<[^<>]*>", "", bare)
            derived = bare.rsplit("::", 1)[-1].strip() in DERIVED
            return label, derived
        return None

    snaps = parse_snapshots(massif)
    peak = next((s for s in snaps if s.get("heap_tree") == "peak"), None)
    if peak is None:
        print("no peak snapshot in", massif)
        return
    heap, extra = int(peak.get("mem_heap_B", 0)), int(peak.get("mem_heap_extra_B", 0))
    print(f"Peak heap: {heap / 1048576:.1f} MB live ({extra / 1048576:.1f} MB allocator overhead) "
          f"at instruction {int(peak.get('time', 0)):,}")
    root = build_tree(peak["lines"])
    attributed = collections.Counter()

    def walk(node, via=None):
        here = project(node["desc"])
        if here is not None:
            label, derived = here
            if derived and node["children"]:
                for c in node["children"]:  # keep looking for the frame that asked for the copy
                    walk(c, via or label)
                own = node["bytes"] - sum(c["bytes"] for c in node["children"])
                if own > 0:
                    attributed[via or label] += own
                return
            attributed[f"{label} › {via.split('  (')[0]}" if via else label] += node["bytes"]
            return
        # Bytes below massif's threshold are summarised at this node, without a deeper stack.
        own = node["bytes"] - sum(c["bytes"] for c in node["children"])
        if own > 0:
            attributed[via or "(no stackcheck frame within the recorded depth)"] += own
        for c in node["children"]:
            walk(c, via)

    for c in root["children"]:
        walk(c)
    total = root["bytes"] or 1
    print()
    print("Live heap at the peak, by the innermost stackcheck frame that allocated it:")
    for name, b in attributed.most_common(top):
        print(f"  {100 * b / total:5.1f}%  {b / 1048576:7.1f} MB  {name}")


if __name__ == "__main__":
    main()
