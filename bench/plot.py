#!/usr/bin/env python3
"""Draws the benchmark plots of docs/PERFORMANCE.md as SVG, from the JSON that
bench/compare writes. Standard library only.

  bench/plot.py docs/perf/bench-results.json docs/perf

Writes latency-vs-parent-size.svg, latency-vs-open-fds.svg and
latency-vs-fd-limit.svg into the output directory.
"""
import json
import math
import os
import sys
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 760, 440
LEFT, RIGHT, TOP, BOTTOM = 80, 250, 50, 60
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#17becf", "#bcbd22"]
DASHED = ("raw_", "cpython")  # baselines are dashed, spawn_core solid


def nice_log_ticks(low, high):
    ticks = []
    exponent = math.floor(math.log10(low))
    while 10 ** exponent <= high * 10:
        for mantissa in (1, 2, 5):
            value = mantissa * 10 ** exponent
            if low <= value <= high:
                ticks.append(value)
        exponent += 1
    return ticks


def format_us(value):
    if value >= 1000:
        return "%g ms" % (value / 1000)
    return "%g µs" % value


def line_chart(title, x_title, x_labels, series):
    """series: list of (name, [latency in µs or None per x]); log-scale y."""
    values = [y for _, ys in series for y in ys if y]
    if not values:
        raise SystemExit("plot: no data for %r" % title)
    low, high = min(values) / 1.3, max(values) * 1.3
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_at(index):
        return LEFT + (plot_w * index / max(1, len(x_labels) - 1) if len(x_labels) > 1 else plot_w / 2)

    def y_at(value):
        return TOP + plot_h * (1 - (math.log(value) - math.log(low)) / (math.log(high) - math.log(low)))

    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="12">' % (WIDTH, HEIGHT),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="%d" y="25" font-size="15" font-weight="bold">%s</text>' % (LEFT, escape(title))]
    for tick in nice_log_ticks(low, high):
        y = y_at(tick)
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (LEFT, LEFT + plot_w, y, y))
        out.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (LEFT - 6, y + 4, format_us(tick)))
    for index, label in enumerate(x_labels):
        x = x_at(index)
        out.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#eee"/>' % (x, x, TOP, TOP + plot_h))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%s</text>' % (x, TOP + plot_h + 18, escape(label)))
    out.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#444"/>' % (LEFT, TOP, plot_w, plot_h))
    out.append('<text x="%d" y="%d" text-anchor="middle">%s</text>' % (LEFT + plot_w / 2, HEIGHT - 15, escape(x_title)))
    out.append('<text transform="translate(18,%d) rotate(-90)" text-anchor="middle">'
               'spawn + wait latency (median, log scale)</text>' % (TOP + plot_h / 2))
    for number, (name, ys) in enumerate(series):
        colour = COLOURS[number % len(COLOURS)]
        dash = ' stroke-dasharray="6,4"' if name.startswith(DASHED) else ""
        points = [(x_at(i), y_at(y)) for i, y in enumerate(ys) if y]
        if len(points) > 1:
            out.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>' % (
                colour, dash, " ".join("%.1f,%.1f" % point for point in points)))
        for x, y in points:
            out.append('<circle cx="%.1f" cy="%.1f" r="3" fill="%s"/>' % (x, y, colour))
        legend_y = TOP + 10 + 20 * number
        out.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/>' % (
            WIDTH - RIGHT + 15, WIDTH - RIGHT + 40, legend_y, legend_y, colour, dash))
        out.append('<text x="%d" y="%d">%s</text>' % (WIDTH - RIGHT + 46, legend_y + 4, escape(name)))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def group_series(benchmarks, group, variants=None):
    """(parameters sorted, [(variant, [median per parameter])]) for one group."""
    table = {}
    for name, record in benchmarks.items():
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == group and "median_us" in record:
            table.setdefault(parts[1], {})[int(parts[2])] = record["median_us"]
    parameters = sorted({p for values in table.values() for p in values})
    names = variants or sorted(table)
    return parameters, [(v, [table.get(v, {}).get(p) for p in parameters]) for v in names if v in table]


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: plot.py RESULTS.json OUTPUT_DIR")
    with open(sys.argv[1]) as source:
        benchmarks = json.load(source)["benchmarks"]
    out_dir = sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)

    sizes, series = group_series(benchmarks, "parent_size", [
        "spawn_core_automatic", "spawn_core_posix_spawn", "spawn_core_vfork", "spawn_core_fork",
        "raw_posix_spawn", "raw_posix_spawn_closefrom", "raw_vfork_execve", "raw_fork_execve"])
    charts = {"latency-vs-parent-size.svg": line_chart(
        "Spawn latency vs parent size, per path", "resident memory held by the parent (MiB)",
        [str(size) for size in sizes], series)}

    close_variants = ["default_close_fds_on", "default_close_fds_off", "vfork_close_range",
                      "vfork_proc_self_fd", "vfork_brute_force", "vfork_close_fds_off"]
    counts, series = group_series(benchmarks, "open_fds", close_variants)
    charts["latency-vs-open-fds.svg"] = line_chart(
        "Spawn latency vs open fds, per close strategy (close_fds)",
        "extra inheritable fds open in the parent", ["{:,}".format(c) for c in counts], series)

    limits, series = group_series(benchmarks, "fd_limit", close_variants)
    if limits:
        charts["latency-vs-fd-limit.svg"] = line_chart(
            "Spawn latency vs RLIMIT_NOFILE (10 fds open)", "soft RLIMIT_NOFILE",
            ["{:,}".format(limit) for limit in limits], series)

    for file_name, svg in charts.items():
        with open(os.path.join(out_dir, file_name), "w") as out:
            out.write(svg)
        print("plot: wrote " + os.path.join(out_dir, file_name), file=sys.stderr)


if __name__ == "__main__":
    main()
