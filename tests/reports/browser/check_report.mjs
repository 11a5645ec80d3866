// Opens a generated fdconform HTML report from file:// in Debian's headless Chromium and checks what a
// reader relies on: the verdict banner, cells coloured by verdict, columns in version order, filters, the
// cell panel (with reasons), keyboard navigation, and cell, filter and row permalinks.
// Every expected number is computed here from the results JSON the report was rendered from.
//   node check_report.mjs --results results.json --html report.html --out DIR
// Exit status: 0 pass, 1 a check failed, 77 the browser could not be started (skipped).
import { join } from "node:path";
import { startCheck } from "./browser_check.mjs";

const { options, results, reportUrl, check, finish, launchBrowser } =
  await startCheck("check_report", ["results", "html", "out"]);

// ---- expectations from the results document ----
const scenarioIds = results.scenarios.map((s) => s.id);
const implIds = results.implementations.map((i) => i.id);
const cellsByScenario = new Map(scenarioIds.map((id) => [id, []]));
for (const cell of results.cells) cellsByScenario.get(cell.scenario).push(cell);
const cellOf = (scenario, impl) => cellsByScenario.get(scenario).find((c) => c.implementation === impl);
const tagCounts = new Map();
for (const s of results.scenarios) for (const t of s.tags) tagCounts.set(t, (tagCounts.get(t) || 0) + 1);
// A tag on some rows but not all, so the filter has something to hide.
const [filterTag] = [...tagCounts].filter(([, n]) => n > 0 && n < scenarioIds.length).sort((a, b) => a[1] - b[1])[0];
const expectTagged = new Set(results.scenarios.filter((s) => s.tags.includes(filterTag)).map((s) => s.id));
const expectErrorRows = new Set(scenarioIds.filter((id) => cellsByScenario.get(id).some((c) => c.verdict === "error")));
const FAILING = new Set(["differ", "unexpected-pass", "error"]);
// Real disagreements only: skips and accepted differences are not.
const expectDisagree = new Set(scenarioIds.filter((id) => cellsByScenario.get(id).some((c) => FAILING.has(c.verdict))));
const planted = results.planted;
if (!planted) {
  console.error("check_report: the results have no 'planted' member; run plant_difference.py on them first");
  process.exit(2);
}
const differCell = cellOf(planted.scenario, planted.failing);
const acceptedCell = cellOf(planted.scenario, planted.accepted);
const permalinkId = scenarioIds[Math.floor(scenarioIds.length * 0.9)];
// Columns: the reference's family first, then families by name; inside a family, by version with numbers
// compared as numbers (3.6 < 3.10). Computed here with the browser-independent Intl collator.
const family = (id) => { const m = /^(.*?)-\d/.exec(id); return m ? m[1] : id.includes("-") ? id.slice(0, id.lastIndexOf("-")) : id; };
const numeric = new Intl.Collator("en", { numeric: true });
const expectOrder = [...implIds].sort((a, b) => {
  const fa = family(a), fb = family(b), fr = family(results.reference);
  if ((fa === fr) !== (fb === fr)) return fa === fr ? -1 : 1;
  return fa !== fb ? numeric.compare(fa, fb) : numeric.compare(a, b);
});
const colOf = (impl) => expectOrder.indexOf(impl);
// The one-column-per-runtime view: per family the newest version, then the shortest id, then the first by
// name; the reference always stands for its own family.
const runtimeView = new Map();
for (const id of implIds) {
  const rest = id.slice(family(id).length + 1), version = (/^[\d.]*/.exec(rest) || [""])[0];
  const key = [version, rest.length - version.length, id];
  const held = runtimeView.get(family(id));
  const better = !held || numeric.compare(held.key[0], version) < 0 ||
    (held.key[0] === version && (key[1] < held.key[1] || (key[1] === held.key[1] && numeric.compare(id, held.key[2]) < 0)));
  if (better) runtimeView.set(family(id), { id, key });
}
runtimeView.set(family(results.reference), { id: results.reference });
const expectRuntimeView = new Set([...runtimeView.values()].map((v) => v.id));
const counts = { passed: 0, failed: 0, skipped: 0, accepted: 0 };
for (const c of results.cells) {
  if (FAILING.has(c.verdict)) counts.failed++;
  else if (c.verdict === "skip") counts.skipped++;
  else counts.passed++;
  if (c.verdict === "expected-differ") counts.accepted++;
}
// Agreement over applicable cells: both this column and the reference ran (skips left out).
function agreement(impl) {
  let agree = 0, applicable = 0;
  for (const id of scenarioIds) {
    const cell = cellOf(id, impl), ref = cellOf(id, results.reference);
    if (!cell || !ref || cell.verdict === "skip" || ref.verdict === "skip") continue;
    applicable++;
    const key = (o) => JSON.stringify(Object.entries(o).sort());
    if (cell.observation && ref.observation && key(cell.observation) === key(ref.observation)) agree++;
  }
  return { agree, applicable };
}
const skippingImpl = implIds.find((id) => results.cells.some((c) => c.implementation === id && c.verdict === "skip"));

const browser = await launchBrowser();
const context = browser.context;

try {
  const page = context.pages()[0] || (await context.newPage());
  const outside = [];
  const pageErrors = [];
  // The report must not reach for the network: record and refuse every non-file request.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("about:")) return route.continue();
    outside.push(url);
    return route.abort();
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));

  const started = Date.now();
  await page.goto(reportUrl);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60000 });
  console.log(`info ${scenarioIds.length} x ${implIds.length}: loaded in ${Date.now() - started} ms, ` +
    `first rows drawn after ${await page.getAttribute("body", "data-first-rows-ms")} ms of script, ` +
    `all rows after ${await page.getAttribute("body", "data-render-ms")} ms`);

  const visibleRowIds = () => page.$$eval("#fdc-matrix tbody tr:not([hidden])", (trs) => trs.map((tr) => tr.id));
  const sameSet = (ids, expected) => ids.length === expected.size && ids.every((id) => expected.has(id));
  const cellSelector = (scenario, impl) =>
    `#fdc-matrix tbody tr[data-r="${scenarioIds.indexOf(scenario)}"] td[data-c="${colOf(impl)}"]`;

  // The banner: the run's verdict and counts, the reference, host and date.
  // A page without a banner must fail these checks, not stop the run: missing elements read as empty.
  const banner = (await page.$eval("#fdc-banner", (b) => ({ outcome: b.dataset.outcome, text: b.innerText,
    visible: b.getBoundingClientRect().top < innerHeight })).catch(() => null)) || { text: "" };
  check(banner.outcome === "fail" && banner.text.includes("FAIL") && banner.visible,
    `the banner says FAIL at the top of the page ('${banner.text.split("\n")[0]}')`);
  for (const [name, n] of Object.entries(counts))
    check((await page.textContent(`#fdc-banner [data-count="${name}"] b`).catch(() => null)) === String(n),
      `the banner counts ${n} ${name}`);
  check(banner.text.includes(results.reference) && banner.text.includes(results.environment.host) &&
    banner.text.includes(results.environment.date), "the banner names the reference, host and date");
  await page.screenshot({ path: join(options.out, "report-banner.png"), clip: { x: 0, y: 0, width: 1400, height: 260 } });

  // The matrix renders with the right counts, columns in version order grouped by family.
  check((await page.$$eval("#fdc-matrix tbody tr", (trs) => trs.length)) === scenarioIds.length,
    `matrix has ${scenarioIds.length} rows`);
  const shownOrder = await page.$$eval("#fdc-matrix thead th.fdc-impl", (ths) => ths.map((th) => th.dataset.id || th.textContent));
  check(shownOrder.join(" ") === expectOrder.join(" "),
    `columns in version order, grouped by family: ${shownOrder.join(" ")}`);
  check((await page.$eval("#fdc-matrix thead th.fdc-ref", (th) => th.textContent).catch(() => "")).includes("★"),
    "the reference column is marked ★");
  check((await page.$$eval("#fdc-matrix td.fdc-cell", (tds) => tds.length)) === scenarioIds.length * implIds.length,
    "one cell per (scenario, implementation)");
  const verdictCounts = {};
  for (const c of results.cells) verdictCounts[c.verdict] = (verdictCounts[c.verdict] || 0) + 1;
  for (const [verdict, n] of Object.entries(verdictCounts))
    check((await page.$$eval(`#fdc-matrix td.fdc-v-${verdict}`, (tds) => tds.length)) === n,
      `${n} cells show verdict ${verdict}`);
  check((await page.textContent("#fdc-count")) === `${scenarioIds.length} of ${scenarioIds.length} scenarios shown`,
    "count line shows every scenario");
  check((await page.$$eval("#fdc-summary-table tbody tr", (trs) => trs.length)) === implIds.length,
    "summary has a row per implementation");
  const { agree, applicable } = agreement(skippingImpl);
  const agreeText = await page.$eval(`#fdc-summary-table tr[data-impl="${skippingImpl}"]`, (tr) => tr.innerText).catch(() => "");
  check(agreeText.includes(`${agree} of ${applicable} applicable`),
    `agreement of ${skippingImpl} is over applicable cells: ${agree} of ${applicable} applicable`);
  const headerText = await page.textContent("#fdc-environment");
  check(headerText.includes(results.environment.kernel), "environment block shows the kernel");

  // The failing cell is unmistakable: not the colour of an accepted difference or of a match, and a symbol.
  const look = (sel) => page.$eval(sel, (td) => {
    const s = getComputedStyle(td);
    return { background: s.backgroundColor, color: s.color, text: td.textContent };
  }).catch(() => ({ background: "none", text: "" }));
  const failing = await look(cellSelector(planted.scenario, planted.failing));
  const accepted = await look(cellSelector(planted.scenario, planted.accepted));
  const matching = await look(cellSelector(planted.scenario, planted.match));
  check(failing.background !== accepted.background && failing.background !== matching.background &&
    accepted.background !== matching.background,
    `failing, accepted and matching cells differ in colour (${failing.background} / ${accepted.background} / ${matching.background})`);
  check(/[✗⚠]/.test(failing.text) && !/[✗⚠]/.test(accepted.text) && !/[✗⚠]/.test(matching.text),
    `the failing cell carries a failure symbol ('${failing.text}' vs '${accepted.text}', '${matching.text}')`);
  await page.screenshot({ path: join(options.out, "report-overview.png") });

  // Filters hide the right rows.
  await page.selectOption("#fdc-tag", { label: filterTag });
  check(sameSet(await visibleRowIds(), expectTagged), `tag filter '${filterTag}' shows exactly its ${expectTagged.size} rows`);
  await page.click("#fdc-reset");
  await page.selectOption("#fdc-status", { label: "error" });
  check(sameSet(await visibleRowIds(), expectErrorRows), `status filter 'error' shows the ${expectErrorRows.size} rows with an error`);
  await page.click("#fdc-reset");
  await page.check("#fdc-disagree");
  check(sameSet(await visibleRowIds(), expectDisagree),
    `'only rows where implementations disagree' shows the ${expectDisagree.size} rows with a failing cell`);
  await page.click("#fdc-reset");
  await page.fill("#fdc-search", permalinkId);
  check(sameSet(await visibleRowIds(), new Set([permalinkId])), `search '${permalinkId}' shows that one row`);
  await page.click("#fdc-reset");
  await page.click("#fdc-impl-filter summary");
  await page.uncheck(`#fdc-impl-list input[data-c="1"]`);
  check(!(await page.isVisible(`#fdc-matrix thead th.fdc-impl.c1`)) && (await page.isVisible(`#fdc-matrix thead th.fdc-impl.c0`)),
    `implementation filter hides the ${expectOrder[1]} column only`);
  await page.click("#fdc-impl-filter summary");
  await page.click("#fdc-reset");
  await page.click("#fdc-runtime-view");
  const shownColumns = [];
  for (const impl of implIds)
    if (await page.isVisible(`#fdc-matrix thead th.fdc-impl.c${colOf(impl)}`)) shownColumns.push(impl);
  check(sameSet(shownColumns, expectRuntimeView),
    `'One column per runtime' shows ${[...expectRuntimeView].join(", ")} (shown: ${shownColumns.join(", ")})`);
  check(new URL(page.url()).hash.includes("view=runtimes"), `the runtime view is a link: ${new URL(page.url()).hash}`);
  await page.click("#fdc-reset");
  check((await visibleRowIds()).length === scenarioIds.length, "reset shows every row again");

  // A cell opens its diff against the reference.
  await page.click(cellSelector(differCell.scenario, differCell.implementation));
  await page.waitForSelector("#fdc-panel:not([hidden])");
  const panelTitle = await page.textContent("#fdc-panel-title");
  check(panelTitle === `${differCell.scenario} on ${differCell.implementation}`, `clicking a differ cell opens '${panelTitle}'`);
  const highlighted = await page.$$eval("#fdc-diff-table tr.fdc-diff", (trs) => trs.map((tr) => tr.dataset.field));
  check(sameSet(highlighted, new Set(differCell.diff.map((d) => d.field))),
    `the panel highlights exactly the differing fields (${differCell.diff.map((d) => d.field).join(", ")})`);
  const firstDiff = differCell.diff[0];
  const row = await page.$$eval(`#fdc-diff-table tr.fdc-diff`, (trs, field) => {
    const tr = trs.find((t) => t.dataset.field === field);
    return tr ? [tr.cells[1].textContent, tr.cells[2].textContent] : null;
  }, firstDiff.field);
  check(row && row[0] === (firstDiff.actual ?? "(absent)") && row[1] === (firstDiff.expected ?? "(absent)"),
    `both values of ${firstDiff.field} are shown side by side`);
  const r = scenarioIds.indexOf(differCell.scenario);
  check((await page.textContent("#fdc-panel-body pre")) === results.scenarios[r].yaml, "the panel shows the scenario's YAML");
  // A long field name wraps inside its column instead of running over the values.
  const wrap = await page.$eval(`#fdc-diff-table tr[data-field="${planted.long_field}"]`, (tr) => {
    const th = tr.cells[0], td = tr.cells[1];
    return { overflow: th.scrollWidth - th.clientWidth, thRight: th.getBoundingClientRect().right,
             tdLeft: td.getBoundingClientRect().left, height: th.getBoundingClientRect().height };
  }).catch(() => null);
  check(wrap && wrap.overflow <= 0 && wrap.thRight <= wrap.tdLeft + 1,
    `the long field name ${planted.long_field} wraps within its column (${JSON.stringify(wrap)})`);
  await page.screenshot({ path: join(options.out, "report-cell.png") });
  await page.keyboard.press("Escape");
  check(await page.isHidden("#fdc-panel"), "Escape closes the panel");

  // An accepted difference explains itself: the expectation's reason and link are in its panel.
  await page.click(cellSelector(acceptedCell.scenario, acceptedCell.implementation));
  await page.waitForSelector("#fdc-panel:not([hidden])");
  const acceptedPanel = await page.textContent("#fdc-panel-body");
  const entry = acceptedCell.expectation;
  check(acceptedPanel.includes(entry.reason) && acceptedPanel.includes(entry.link) &&
    acceptedPanel.includes(`${entry.file}:${entry.line}`),
    "an expected difference's reason, link and expectation entry (file:line) are shown in its panel");
  await page.screenshot({ path: join(options.out, "report-accepted.png") });
  await page.keyboard.press("Escape");

  // A skip's reason is in its panel.
  const skipCell = results.cells.find((c) => c.verdict === "skip" && c.reason);
  await page.click(cellSelector(skipCell.scenario, skipCell.implementation));
  check((await page.textContent("#fdc-panel-body")).includes(skipCell.reason), `a skip's panel gives its reason ('${skipCell.reason}')`);
  await page.keyboard.press("Escape");

  // Keyboard: Tab reaches the grid, arrows move, Enter opens the focused cell, Escape closes and returns.
  await page.evaluate(() => scrollTo(0, 0));
  await page.focus("#fdc-reset");
  await page.keyboard.press("Tab");
  const focused = () => page.evaluate(() => {
    const td = document.activeElement;
    return td && td.matches("td.fdc-cell") ? [Number(td.parentElement.dataset.r), Number(td.dataset.c)] : null;
  });
  // The grid has one tab stop: the last cell visited (the first cell on a fresh page).
  const first = await focused();
  check(first !== null, `Tab from the controls reaches a cell of the grid (${JSON.stringify(first)})`);
  const start = first || [0, 0];
  for (const key of ["ArrowRight", "ArrowRight", "ArrowDown", "ArrowDown", "ArrowDown", "ArrowLeft"]) await page.keyboard.press(key);
  const moved = await focused();
  const want = [start[0] + 3, start[1] + 1];
  check(JSON.stringify(moved) === JSON.stringify(want), `arrow keys move between cells (${JSON.stringify(start)} -> ${JSON.stringify(moved)})`);
  await page.keyboard.press("Enter");
  const keyedTitle = await page.textContent("#fdc-panel-title").catch(() => "");
  check(!(await page.isHidden("#fdc-panel")) && keyedTitle === `${scenarioIds[want[0]]} on ${expectOrder[want[1]]}`,
    `Enter opens the focused cell's panel ('${keyedTitle}')`);
  await page.keyboard.press("Escape");
  check(await page.isHidden("#fdc-panel") && JSON.stringify(await focused()) === JSON.stringify(moved),
    "Escape closes it and focus stays on the cell");

  // A cell permalink opens that cell, after a reload too.
  const cellLink = `#s=${encodeURIComponent(acceptedCell.scenario)}&i=${encodeURIComponent(acceptedCell.implementation)}`;
  await page.goto(`${reportUrl}${cellLink}`);
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  const opened = await page.evaluate(() => ({
    hidden: document.getElementById("fdc-panel").hidden,
    title: (document.getElementById("fdc-panel-title") || {}).textContent,
    selected: [...document.querySelectorAll("td.fdc-selected")].map((td) => [td.parentElement.id, Number(td.dataset.c)]),
  }));
  check(!opened.hidden && opened.title === `${acceptedCell.scenario} on ${acceptedCell.implementation}` &&
    opened.selected.length === 1 && opened.selected[0][0] === acceptedCell.scenario &&
    opened.selected[0][1] === colOf(acceptedCell.implementation),
    `cell permalink ${cellLink} opens that cell (${JSON.stringify(opened)})`);
  await page.screenshot({ path: join(options.out, "report-cell-permalink.png") });

  // The filter state is in the fragment too: a link with a tag and a status shows the same rows.
  await page.goto(`${reportUrl}#tag=${encodeURIComponent(filterTag)}&status=error`);
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  const both = new Set([...expectTagged].filter((id) => expectErrorRows.has(id)));
  check(sameSet(await visibleRowIds(), both) && (await page.inputValue("#fdc-status")) !== "",
    `a filter permalink (tag ${filterTag}, status error) restores the filters: ${both.size} rows`);
  await page.check("#fdc-disagree");
  check((await page.evaluate(() => location.hash)).includes("disagree=1"), "changing a filter updates the fragment");

  // A row permalink scrolls to its row, and still does after a reload.
  await page.goto(`${reportUrl}#${encodeURIComponent(permalinkId)}`);
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  const target = await page.$eval(`#fdc-matrix tbody tr[data-r="${scenarioIds.indexOf(permalinkId)}"]`, (tr) => {
    const box = tr.getBoundingClientRect();
    return { marked: tr.classList.contains("fdc-target"), top: box.top, bottom: box.bottom, height: innerHeight, scrollY };
  });
  check(target.marked && target.top >= 0 && target.bottom <= target.height && target.scrollY > 0,
    `permalink #${permalinkId} survives a reload and scrolls its row into view (top ${Math.round(target.top)}, scrollY ${Math.round(target.scrollY)})`);
  await page.screenshot({ path: join(options.out, "report-permalink.png") });

  check(outside.length === 0, `no network requests (${outside.slice(0, 3).join(", ") || "none"})`);
  check(pageErrors.length === 0, `no JavaScript errors (${pageErrors.slice(0, 3).join("; ") || "none"})`);
} finally {
  await browser.close();
}

console.log(`screenshots in ${options.out}: report-banner.png, report-overview.png, report-cell.png, report-accepted.png, ` +
  "report-cell-permalink.png, report-permalink.png");
finish();
