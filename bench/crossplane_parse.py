#!/usr/bin/env python3
"""crossplane's parser alone, the peer of examples/nginx_parse.rs in bench/run's `nginx` task.

usage: crossplane_parse.py [--repeat N] FILE...

Parses each file N times with `crossplane.parse(file, single=True, check_ctx=False,
check_args=False, comments=False)`: one file on its own (no includes followed), no directive
validation, as our parser is timed. `--repeat 0` only imports crossplane (the startup cost bench/run
subtracts). Prints the directives and errors of one pass; exits 1 when crossplane reports an error.
"""

import sys

import crossplane


def count(block: list) -> int:
    return sum(1 + count(d.get("block", [])) for d in block)


def main() -> int:
    args = sys.argv[1:]
    repeat = 1
    if args[:1] == ["--repeat"]:
        repeat = int(args[1])
        args = args[2:]
    if not args:
        print("usage: crossplane_parse.py [--repeat N] FILE...", file=sys.stderr)
        return 2
    directives = errors = 0
    for n in range(repeat):
        for path in args:
            payload = crossplane.parse(path, single=True, check_ctx=False, check_args=False, comments=False)
            if n == 0:
                errors += len(payload["errors"])
                directives += sum(count(c["parsed"]) for c in payload["config"])
                if payload["errors"]:
                    print(f"{path}: {payload['errors'][0]}", file=sys.stderr)
    print(f"files {len(args)} directives {directives} errors {errors} passes {repeat}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
