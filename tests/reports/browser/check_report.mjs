// Opens a generated fdconform HTML report from file:// in Debian's headless Chromium and checks what a
// reader relies on: the matrix and its counts, filters, the cell diff panel and row permalinks.
// Every expected number is computed here from the results JSON the report was rendered from.
//   node check_report.mjs --results results.json --html report.html --out DIR
// Exit status: 0 pass, 1 a check failed, 77 the browser could not be started (skipped).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values: options } = parseArgs({
  options: { results: { type: "string" }, html: { type: "string" }, out: { type: "string" } },
});
for (const name of ["results", "html", "out"])
  if (!options[name]) {
    console.error(`check_report: --${name} is required`);
    process.exit(2);
  }

let chromium;
try {
  ({ chromium } = await import("playwright-core"));
} catch (error) {
  console.log(`check_report: SKIPPED: playwright-core cannot be loaded (${error.message}); run npm ci here`);
  process.exit(77);
}

const results = JSON.parse(readFileSync(options.results, "utf8"));
const reportUrl = pathToFileURL(resolve(options.html)).href;
const failures = [];
function check(condition, message) {
  if (condition) console.log(`ok   ${message}`);
  else { console.log(`FAIL ${message}`); failures.push(message); }
}

// ---- expectations from the results document ----
const scenarioIds = results.scenarios.map((s) => s.id);
const implIds = results.implementations.map((i) => i.id);
const cellsByScenario = new Map(scenarioIds.map((id) => [id, []]));
for (const cell of results.cells) cellsByScenario.get(cell.scenario).push(cell);
const tagCounts = new Map();
for (const s of results.scenarios) for (const t of s.tags) tagCounts.set(t, (tagCounts.get(t) || 0) + 1);
// A tag on some rows but not all, so the filter has something to hide.
const [filterTag] = [...tagCounts].filter(([, n]) => n > 0 && n < scenarioIds.length).sort((a, b) => a[1] - b[1])[0];
const expectTagged = new Set(results.scenarios.filter((s) => s.tags.includes(filterTag)).map((s) => s.id));
const expectErrorRows = new Set(scenarioIds.filter((id) => cellsByScenario.get(id).some((c) => c.verdict === "error")));
const expectDisagree = new Set(scenarioIds.filter((id) => {
  const cells = cellsByScenario.get(id);
  if (cells.some((c) => c.verdict === "error")) return true;
  return new Set(cells.filter((c) => c.observation).map((c) => JSON.stringify(Object.entries(c.observation).sort()))).size > 1;
}));
const differCell = results.cells.find((c) => c.verdict === "differ" && c.diff.length > 0);
const permalinkId = scenarioIds[Math.floor(scenarioIds.length * 0.9)];

const userDataDir = mkdtempSync(join(tmpdir(), "fdconform-chromium-"));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 900 },
  });
} catch (error) {
  rmSync(userDataDir, { recursive: true, force: true });
  console.log(`check_report: SKIPPED: chromium did not start: ${error.message.split("\n")[0]}`);
  process.exit(77);
}

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

  // The matrix renders with the right counts.
  check((await page.$$eval("#fdc-matrix tbody tr", (trs) => trs.length)) === scenarioIds.length,
    `matrix has ${scenarioIds.length} rows`);
  check((await page.$$eval("#fdc-matrix thead th.fdc-impl", (ths) => ths.map((th) => th.textContent)))
    .join("\n") === implIds.join("\n"), `matrix has the ${implIds.length} implementation columns in order`);
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
  const headerText = await page.textContent("#fdc-environment");
  check(headerText.includes(results.environment.kernel), "environment block shows the kernel");
  await page.screenshot({ path: join(options.out, "report-overview.png") });

  // Filters hide the right rows.
  await page.selectOption("#fdc-tag", { label: filterTag });
  check(sameSet(await visibleRowIds(), expectTagged), `tag filter '${filterTag}' shows exactly its ${expectTagged.size} rows`);
  await page.click("#fdc-reset");
  await page.selectOption("#fdc-status", { label: "error" });
  check(sameSet(await visibleRowIds(), expectErrorRows), `status filter 'error' shows the ${expectErrorRows.size} rows with an error`);
  await page.click("#fdc-reset");
  await page.check("#fdc-disagree");
  check(sameSet(await visibleRowIds(), expectDisagree), `'only rows where implementations disagree' shows ${expectDisagree.size} rows`);
  await page.click("#fdc-reset");
  await page.fill("#fdc-search", permalinkId);
  check(sameSet(await visibleRowIds(), new Set([permalinkId])), `search '${permalinkId}' shows that one row`);
  await page.click("#fdc-reset");
  await page.click("#fdc-impl-filter summary");
  await page.uncheck(`#fdc-impl-list input[data-c="1"]`);
  check(!(await page.isVisible(`#fdc-matrix thead th.fdc-impl.c1`)) && (await page.isVisible(`#fdc-matrix thead th.fdc-impl.c0`)),
    `implementation filter hides the ${implIds[1]} column only`);
  await page.click("#fdc-impl-filter summary");
  await page.click("#fdc-reset");
  check((await visibleRowIds()).length === scenarioIds.length, "reset shows every row again");

  // A cell opens its diff against the reference.
  const r = scenarioIds.indexOf(differCell.scenario), c = implIds.indexOf(differCell.implementation);
  await page.click(`#fdc-matrix tbody tr[data-r="${r}"] td[data-c="${c}"]`);
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
  check((await page.textContent("#fdc-panel-body pre")) === results.scenarios[r].yaml, "the panel shows the scenario's YAML");
  await page.screenshot({ path: join(options.out, "report-cell.png") });
  await page.keyboard.press("Escape");
  check(await page.isHidden("#fdc-panel"), "Escape closes the panel");

  // A permalink scrolls to its row, and still does after a reload.
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
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}

console.log(`screenshots: ${join(options.out, "report-overview.png")}, report-cell.png, report-permalink.png`);
if (failures.length) {
  console.log(`check_report: ${failures.length} check(s) failed`);
  process.exit(1);
}
console.log("check_report: all checks passed");
