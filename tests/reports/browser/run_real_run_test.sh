#!/usr/bin/env bash
# ctest `reports_browser_real_run`: the HTML report of a real `fdconform run`, read in headless Chromium.
# The run is the corpus against /usr/bin/python3 with one planted difference (--deviate spawn_core-fork=umask,
# the runner's test-only switch) and one scenario file that does not load; check_real_run.mjs then checks
# what a reader sees, from the results.json the page was rendered from. Exit 77 = skipped, reason printed.
#   run_real_run_test.sh FDCONFORM SCENARIOS_DIR OUTPUT_DIR SCREENSHOT_DIR
set -euo pipefail
fdconform=$1 scenarios=$2 out=$3 screenshots=$4
here=$(cd "$(dirname "$0")" && pwd)

skip() { echo "reports_browser_real_run: SKIPPED: $*"; exit 77; }
[[ -x /usr/bin/chromium ]] || skip "/usr/bin/chromium is not installed (Debian package chromium; scripts/setup-deps browser installs it)"
command -v node >/dev/null || skip "node is not installed (Debian package nodejs)"
[[ -d $here/node_modules/playwright-core ]] ||
  skip "playwright-core is not installed: run 'npm ci' in tests/reports/browser (scripts/setup-deps browser does)"
[[ -x /usr/bin/python3 ]] || skip "/usr/bin/python3 (the CPython column of the run) is not installed"

rm -rf "$out"
mkdir -p "$out/bad" "$screenshots"
# Invalid on purpose: no spawn block, and a key the format does not have.
printf 'format: 1\nid: broken-on-purpose\ntitle: a scenario file that does not load\ncolour: blue\n' \
  >"$out/bad/broken-on-purpose.yaml"
status=0
"$fdconform" run "$scenarios" "$out/bad/broken-on-purpose.yaml" -j2 --with /usr/bin/python3 \
  --deviate spawn_core-fork=umask --out "$out/run" >"$out/run.log" 2>&1 || status=$?
# 1 is what a run with a failure must say; anything else means there is no report worth reading.
if [[ $status -ne 1 ]]; then
  cat "$out/run.log"
  echo "reports_browser_real_run: fdconform run exited $status, expected 1 (a planted difference and an invalid file)"
  exit 1
fi
tail -n 4 "$out/run.log"
exec node "$here/check_real_run.mjs" --results "$out/run/results.json" --html "$out/run/report.html" \
  --out "$screenshots" --invalid "$out/bad/broken-on-purpose.yaml"
