// Opens the HTML report of a real `fdconform run` (with a planted difference and an invalid scenario file,
// see run_real_run_test.sh) in Debian's headless Chromium and checks what a reader sees: the banner's
// failure and the invalid file, the failing cell distinct from accepted differences and matches, columns in
// version order, an accepted difference's reason, link and entry in its panel, a skip's reason, and a cell
// permalink. Every expected value comes from the results.json the page was rendered from.
//   node check_real_run.mjs --results results.json --html report.html --out SCREENSHOT_DIR --invalid FILE
// Exit status: 0 pass, 1 a check failed, 77 the browser could not be started (skipped).
import { join } from "node:path";
import { startCheck } from "./browser_check.mjs";

const { options, results, reportUrl, check, finish, launchBrowser } =
  await startCheck("check_real_run", ["results", "html", "out", "invalid"]);

// ---- what the page must show, from the results document ----
const scenarioIds = results.scenarios.map((s) => s.id);
const implIds = results.implementations.map((i) => i.id);
const FAILING = new Set(["differ", "unexpected-pass", "error"]);
const family = (id) => { const m = /^(.*?)-\d/.exec(id); return m ? m[1] : id.includes("-") ? id.slice(0, id.lastIndexOf("-")) : id; };
const numeric = new Intl.Collator("en", { numeric: true });
const expectOrder = [...implIds].sort((a, b) => {
  const fa = family(a), fb = family(b), fr = family(results.reference);
  if ((fa === fr) !== (fb === fr)) return fa === fr ? -1 : 1;
  return fa !== fb ? numeric.compare(fa, fb) : numeric.compare(a, b);
});
const cellSelector = (cell) =>
  `#fdc-matrix tbody tr[data-r="${scenarioIds.indexOf(cell.scenario)}"] td[data-c="${expectOrder.indexOf(cell.implementation)}"]`;

// The planted difference: spawn_core-fork's umask. Next to it, preferably in the same row, an accepted
// difference and a match.
const planted = results.cells.find((c) => c.implementation === "spawn_core-fork" && c.verdict === "differ" &&
  c.diff.some((d) => d.field === "child.umask"));
const acceptedCells = results.cells.filter((c) => c.verdict === "expected-differ");
const accepted = acceptedCells.find((c) => c.expectation && c.expectation.reason);
const matching = results.cells.find((c) => planted && c.scenario === planted.scenario && c.verdict === "match") ||
  results.cells.find((c) => c.verdict === "match");
const skipped = results.cells.find((c) => c.verdict === "skip");
const invalidFiles = [...new Set((results.invalid_scenarios || []).map((p) => p.file))];
const failedCells = results.cells.filter((c) => FAILING.has(c.verdict)).length;
check(planted, "the run has the planted differ (child.umask on spawn_core-fork)");
check(accepted && acceptedCells.every((c) => c.expectation && c.expectation.reason && c.expectation.link &&
  c.expectation.file && c.expectation.line), `every one of the ${acceptedCells.length} expected-differ cells carries its expectation entry`);
check(results.cells.every((c) => c.verdict !== "skip" || c.reason), "every skip in results.json has a reason");
check(invalidFiles.length === 1 && invalidFiles[0] === options.invalid && results.summary.invalid_scenarios === 1,
  `results.json lists the invalid file (${invalidFiles.join(", ")})`);
if (!planted || !accepted || !matching) {
  console.log("check_real_run: the run lacks a cell the browser checks need; nothing more to check");
  process.exit(1);
}

const browser = await launchBrowser();
const context = browser.context;

try {
  const page = context.pages()[0] || (await context.newPage());
  const pageErrors = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await context.route("**/*", (route) => {
    const url = route.request().url();
    return url.startsWith("file:") || url.startsWith("data:") || url.startsWith("about:") ? route.continue() : route.abort();
  });
  await page.goto(reportUrl);
  await page.waitForSelector("body[data-ready=true]", { timeout: 60000 });

  // The banner: FAIL, the failures counted with the invalid file, and the file named.
  const banner = (await page.$eval("#fdc-banner", (b) => ({ outcome: b.dataset.outcome, text: b.innerText })).catch(() => null)) ||
    { text: "" };
  check(banner.outcome === "fail" && banner.text.includes("FAIL"), `the banner says FAIL ('${banner.text.split("\n")[0]}')`);
  const count = (name) => page.textContent(`#fdc-banner [data-count="${name}"] b`).catch(() => null);
  check((await count("failed")) === String(failedCells + 1), `the banner counts ${failedCells} failing cells and the invalid file as failed`);
  check((await count("invalid")) === "1", "the banner counts 1 invalid scenario file");
  check(banner.text.includes(options.invalid), "the banner names the invalid scenario file");
  await page.screenshot({ path: join(options.out, "real-run-banner.png"), clip: { x: 0, y: 0, width: 1400, height: 300 } });

  // Columns in version order, grouped by family, the reference's family first.
  const shownOrder = await page.$$eval("#fdc-matrix thead th.fdc-impl", (ths) => ths.map((th) => th.dataset.id || th.textContent));
  check(shownOrder.join(" ") === expectOrder.join(" "), `columns in version order: ${shownOrder.join(" ")}`);

  // The failing cell is unmistakable next to an accepted difference and a match.
  const look = (cell) => page.$eval(cellSelector(cell), (td) => {
    td.scrollIntoView({ block: "center" });
    const s = getComputedStyle(td);
    return { background: s.backgroundColor, text: td.textContent };
  }).catch(() => ({ background: "none", text: "" }));
  const [bad, good, same] = [await look(planted), await look(accepted), await look(matching)];
  check(bad.background !== good.background && bad.background !== same.background && good.background !== same.background,
    `failing, accepted and matching cells differ in colour (${bad.background} / ${good.background} / ${same.background})`);
  check(/✗/.test(bad.text) && !/[✗⚠]/.test(good.text) && !/[✗⚠]/.test(same.text),
    `only the failing cell carries ✗ ('${bad.text}' / '${good.text}' / '${same.text}')`);
  await page.$eval(cellSelector(planted), (td) => td.scrollIntoView({ block: "center" }));
  await page.screenshot({ path: join(options.out, "real-run-overview.png") });

  // The failing cell's panel highlights the planted field.
  await page.click(cellSelector(planted));
  await page.waitForSelector("#fdc-panel:not([hidden])");
  const highlighted = await page.$$eval("#fdc-diff-table tr.fdc-diff", (trs) => trs.map((tr) => tr.dataset.field));
  check(highlighted.includes("child.umask"), `the failing cell's panel highlights child.umask (${highlighted.join(", ")})`);
  await page.screenshot({ path: join(options.out, "real-run-failing-cell.png") });
  await page.keyboard.press("Escape");

  // An accepted difference says why, with its link and the entry's file:line.
  await page.click(cellSelector(accepted));
  await page.waitForSelector("#fdc-panel:not([hidden])");
  const panel = await page.textContent("#fdc-panel-body");
  const e = accepted.expectation;
  check(panel.includes(e.reason) && panel.includes(e.link) && panel.includes(`${e.file}:${e.line}`),
    `${accepted.scenario} on ${accepted.implementation}: the panel gives the reason, link and ${e.file}:${e.line}`);
  await page.screenshot({ path: join(options.out, "real-run-accepted.png") });
  await page.keyboard.press("Escape");

  // A steps scenario's cell: one heading per named child, and the planted umask highlighted under
  // each child it reached (the deviation changes the parent's umask before the first step).
  const steps = results.cells.find((c) => c.implementation === "spawn_core-fork" && c.verdict === "differ" &&
    c.diff.some((d) => /^[a-z][a-z0-9_]*\.umask$/.test(d.field) && !d.field.startsWith("child.")));
  check(steps, "the run has a steps scenario whose named children show the planted umask on spawn_core-fork");
  if (steps) {
    const children = Object.keys(steps.observation).filter((f) => f.endsWith(".outcome")).map((f) => f.split(".")[0]);
    await page.click(cellSelector(steps));
    await page.waitForSelector("#fdc-panel:not([hidden])");
    const headings = await page.$$eval("#fdc-diff-table tr.fdc-field-group th", (ths) => ths.map((th) => th.textContent));
    const marked = await page.$$eval("#fdc-diff-table tr.fdc-diff", (trs) => trs.map((tr) => tr.dataset.field));
    check(children.length > 0 && children.every((name) => headings.includes(name)),
      `${steps.scenario}: the panel has a heading per named child (${children.join(", ")} in ${headings.join(", ")})`);
    check(children.every((name) => marked.includes(`${name}.umask`)),
      `${steps.scenario}: the panel highlights each child's umask (${marked.join(", ")})`);
    await page.screenshot({ path: join(options.out, "real-run-steps-cell.png") });
    await page.keyboard.press("Escape");
  }

  if (skipped) {
    await page.click(cellSelector(skipped));
    check((await page.textContent("#fdc-panel-body")).includes(skipped.reason), `a skip's panel gives its reason ('${skipped.reason}')`);
    await page.keyboard.press("Escape");
  }

  // A cell permalink opens that cell, after a reload too.
  const link = `#s=${encodeURIComponent(planted.scenario)}&i=${encodeURIComponent(planted.implementation)}`;
  await page.goto(`${reportUrl}${link}`);
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  const title = await page.evaluate(() => !document.getElementById("fdc-panel").hidden &&
    (document.getElementById("fdc-panel-title") || {}).textContent);
  check(title === `${planted.scenario} on ${planted.implementation}`, `cell permalink ${link} opens that cell ('${title}')`);
  await page.screenshot({ path: join(options.out, "real-run-cell-permalink.png") });

  check(pageErrors.length === 0, `no JavaScript errors (${pageErrors.slice(0, 3).join("; ") || "none"})`);
} finally {
  await browser.close();
}

console.log(`screenshots in ${options.out}: real-run-banner.png, real-run-overview.png, real-run-failing-cell.png, ` +
  "real-run-accepted.png, real-run-steps-cell.png, real-run-cell-permalink.png");
finish();
