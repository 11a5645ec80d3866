#!/usr/bin/env bash
# ctest `reports_browser`: generates a 1,000 x 12 results document, renders it with reports_render and
# checks the page in Debian's headless Chromium (check_report.mjs). Exit 77 = skipped, reason printed.
# plant_difference.py first plants what the checks look for (a failing cell next to an accepted one that saw
# the same thing, expectation reasons, a long field name), so the checks do not depend on the generator's dice.
#   run_browser_test.sh REPORTS_RENDER MAKE_LARGE_RESULTS_PY OUTPUT_DIR [SCREENSHOT_DIR (default OUTPUT_DIR)]
set -euo pipefail
render=$1 generator=$2 out=$3 screenshots=${4:-$3}
here=$(cd "$(dirname "$0")" && pwd)

skip() { echo "reports_browser: SKIPPED: $*"; exit 77; }
[[ -x /usr/bin/chromium ]] || skip "/usr/bin/chromium is not installed (Debian package chromium; scripts/setup-deps browser installs it)"
command -v node >/dev/null || skip "node is not installed (Debian package nodejs)"
[[ -d $here/node_modules/playwright-core ]] ||
  skip "playwright-core is not installed: run 'npm ci' in tests/reports/browser (scripts/setup-deps browser does)"
python=$(command -v python3 || true)
[[ -n $python ]] || skip "python3 is needed to generate the results document"

mkdir -p "$out" "$screenshots"
"$python" "$generator" --scenarios 1000 --implementations 12 --output "$out/results.json"
"$python" "$here/plant_difference.py" "$out/results.json"
"$render" "$out/results.json" "$out/report.html"
echo "reports_browser: report $(stat -c %s "$out/report.html") bytes at $out/report.html"
exec node "$here/check_report.mjs" --results "$out/results.json" --html "$out/report.html" --out "$screenshots"
