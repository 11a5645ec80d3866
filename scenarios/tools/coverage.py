#!/usr/bin/env python3
"""Print the checklist coverage of the scenario corpus as a Markdown table.

For every item of the behaviour checklist (docs/CHECKLIST.md) it lists the
scenarios whose `covers:` names it, and then the items no scenario covers.
Standard library only, so it runs on any CPython 3.6+ without a YAML library:
it reads only the one-line `id:` and `covers: [..]` keys, which the scenario
format requires to be written that way in this corpus (see docs/SCENARIOS.md).

usage: scenarios/tools/coverage.py [--scenarios DIR] [--checklist FILE]
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCENARIOS = os.path.dirname(HERE)
DEFAULT_CHECKLIST = os.path.join(os.path.dirname(os.path.dirname(HERE)), "docs", "CHECKLIST.md")

ITEM_HEADING = re.compile(r"^- \*\*([A-Z][0-9]+)\*\*: ([^:;(\n]+)", re.MULTILINE)  # "- **X7**: title: ..."
ITEM_TEXT = re.compile(r"^- \*\*([A-Z][0-9]+)\*\*:(.*?)(?=^- \*\*|^#|\Z)", re.MULTILINE | re.DOTALL)
# An item no spawn call can make observable says so in its text, with the reason.
NOT_OBSERVABLE = "Not observable by a scenario:"
COVERS_LINE = re.compile(r"^covers:\s*\[(.*)\]\s*$", re.M)
ID_LINE = re.compile(r"^id:\s*(\S+)\s*$", re.M)


def item_sort_key(families):
    """Items in the order the checklist presents their families (its sections), then by number;
    a family the checklist does not have goes last."""
    def key(item):
        family = families.index(item[0]) if item[0] in families else len(families)
        return (family, item[0], int(item[1:]))
    return key


def read_checklist(path):
    """Map item id -> short title, in checklist order; empty if the file is missing."""
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        text = f.read()
    items = {}
    for item, title in ITEM_HEADING.findall(text):
        title = " ".join(title.split())
        items.setdefault(item, title if len(title) <= 70 else title[:69].rstrip() + "…")
    return items


def read_not_observable(path):
    """Item ids whose text says NOT_OBSERVABLE (the reason follows it in the checklist)."""
    if not os.path.exists(path):
        return set()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return {item for item, body in ITEM_TEXT.findall(text) if NOT_OBSERVABLE in " ".join(body.split())}


def read_scenarios(directory):
    """Map scenario id -> list of covered item ids. Problems go to stderr."""
    result = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            text = f.read()
        id_match = ID_LINE.search(text)
        covers_match = COVERS_LINE.search(text)
        if not id_match or not covers_match:
            print("%s: needs a one-line `id:` and `covers: [...]`" % name, file=sys.stderr)
            continue
        covers = [c.strip().strip("'\"") for c in covers_match.group(1).split(",") if c.strip()]
        result[id_match.group(1)] = covers
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=DEFAULT_SCENARIOS)
    parser.add_argument("--checklist", default=DEFAULT_CHECKLIST)
    args = parser.parse_args()

    checklist = read_checklist(args.checklist)
    not_observable = read_not_observable(args.checklist)
    scenarios = read_scenarios(args.scenarios)

    covered_by = {}
    for scenario, items in scenarios.items():
        for item in items:
            covered_by.setdefault(item, []).append(scenario)

    unknown = sorted(i for i in covered_by if checklist and i not in checklist)
    families = []
    for item in checklist:  # checklist order
        if item[0] not in families:
            families.append(item[0])
    all_items = sorted(set(checklist) | set(covered_by), key=item_sort_key(families))

    print("| item | behaviour | scenarios |")
    print("|---|---|---|")
    for item in all_items:
        if item not in covered_by:
            continue
        names = ", ".join("`%s`" % s for s in sorted(covered_by[item]))
        print("| %s | %s | %s |" % (item, checklist.get(item, "?"), names))

    observable = [i for i in all_items if i not in not_observable]
    missing = [i for i in observable if i not in covered_by]
    claimed = sorted(i for i in not_observable if i in covered_by)
    print()
    print("%d scenarios; %d of %d observable checklist items covered (%d more are not observable by a "
          "scenario)." % (len(scenarios), len(observable) - len(missing), len(observable), len(not_observable)))
    if missing:
        print()
        print("Not covered: " + ", ".join(missing) + ".")
    if not_observable:
        print()
        print("Not observable by a scenario (the reason is in the item): " + ", ".join(
            i for i in all_items if i in not_observable) + ".")
    if claimed:
        print()
        print("Covered although marked not observable (fix one or the other): " + ", ".join(claimed) + ".")
    if unknown:
        print()
        print("Named in covers but not in the checklist: " + ", ".join(unknown) + ".")
    return 1 if unknown or claimed else 0


if __name__ == "__main__":
    sys.exit(main())
