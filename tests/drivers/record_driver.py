"""A driver that replays nothing: it records every request the runner sends.

Usage (as a driver descriptor's argv): python3 record_driver.py OUT.jsonl

It says hello with every feature of docs/FEATURES.md and follows no Python version,
so the runner's gate sends it every scenario; it
appends each request line to OUT.jsonl and answers it with a skip. The protocol
tests use it to get scenarios as the runner turns them into JSON, rather than
converting YAML themselves.
"""
import json
import os
import re
import sys


def feature_names():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "FEATURES.md")
    with open(path, encoding="utf-8") as f:
        return re.findall(r"^[-*] `([a-z][a-z0-9_]*)`:", f.read(), re.M)


def main():
    out_path = sys.argv[1]
    sys.stdout.write(json.dumps({"fdconform_driver": 1,
                                 "implementation": {"id": "recorder", "name": "Recorder", "version": "1",
                                                    "language": "python", "detail": "records requests"},
                                 "features": feature_names()}) + "\n")
    sys.stdout.flush()
    with open(out_path, "a") as out:
        for line in sys.stdin:
            if not line.strip():
                continue
            out.write(line.rstrip("\n") + "\n")
            out.flush()
            try:
                scenario_id = json.loads(line)["scenario"]["id"]
            except (ValueError, KeyError, TypeError):
                scenario_id = "?"
            sys.stdout.write(json.dumps({"result": 1, "scenario": scenario_id, "implementation": "recorder",
                                         "status": "skip", "reason": "recorded only", "outcome": None,
                                         "parent": None, "parent_after": None, "probe": None}) + "\n")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
