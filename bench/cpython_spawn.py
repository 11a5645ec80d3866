#!/usr/bin/env python3
"""CPython's side of bench/compare: subprocess.Popen(...).wait() latency.

Spawns the same tiny child as bench_spawn with Popen's defaults, in batches:
each repetition times `batch` spawns and keeps their mean, and the result is the
median of the repetitions, the statistic bench_spawn reports too. Variants hold
10 or 1000 extra inheritable fds open, as bench_spawn's open_fds group does.

Standard library only, runs on CPython 3.6 to 3.13. Prints one JSON object.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("child", help="path of the tiny child (bench_tiny_child)")
    parser.add_argument("--repetitions", type=int, default=9)
    parser.add_argument("--batch", type=int, default=30, help="spawns timed per repetition")
    parser.add_argument("--open-fds", type=int, nargs="*", default=[10, 1000],
                        help="extra inheritable fds to hold open, one variant each")
    return parser.parse_args()


def hold_open_fds(count, held):
    """Leaves exactly `count` extra inheritable fds open (what close_fds closes)."""
    while len(held) > count:
        os.close(held.pop())
    while len(held) < count:
        fd = os.open(os.devnull, os.O_RDWR)
        os.set_inheritable(fd, True)
        held.append(fd)


def measure(child, repetitions, batch):
    means_ns = []
    for _ in range(repetitions):
        start = time.perf_counter()
        for _ in range(batch):
            if subprocess.Popen([child]).wait() != 0:
                raise SystemExit("cpython_spawn: the tiny child did not exit with 0")
        means_ns.append((time.perf_counter() - start) / batch * 1e9)
    return {
        "median_ns": statistics.median(means_ns),
        "min_ns": min(means_ns),
        "max_ns": max(means_ns),
        "samples_ns": means_ns,
        "repetitions": repetitions,
        "batch": batch,
    }


def main():
    args = parse_args()
    if not os.access(args.child, os.X_OK):
        raise SystemExit("cpython_spawn: expected an executable child, got %r" % args.child)
    # Room for the largest variant, as bench_spawn does (soft limit up to the hard one).
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError):
        pass
    held = []
    results = {}
    measure(args.child, 1, 5)  # warm the path (imports, page cache) before timing
    hold_open_fds(0, held)
    results["default"] = measure(args.child, args.repetitions, args.batch)
    for count in args.open_fds:
        hold_open_fds(count, held)
        results["open_fds_%d" % count] = measure(args.child, args.repetitions, args.batch)
    hold_open_fds(0, held)
    print(json.dumps({
        "python": platform.python_version(),
        "executable": sys.executable,
        "child": args.child,
        "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()
