// fdconform report page: renders the matrix from the embedded results data (see html.cpp for its
// shape) with plain DOM code, so the file works from disk with no network and no libraries.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("fdc-data").textContent);
  const V = { match: 0, differ: 1, expectedDiffer: 2, unexpectedPass: 3, skip: 4, error: 5, noApi: 6 };
  const SHORT = ["match", "differ", "xdiff", "xpass", "skip", "error", "no API"];
  // A symbol per verdict, so no verdict is told by colour alone (colour-blind readers, greyscale prints).
  const SYMBOL = ["✓", "✗", "≈", "✗", "–", "⚠", "∅"];
  const MEANING = [
    "same observation as the reference",
    "FAILS: differs from the reference (or the scenario's expect block) and no expectation file accepts it",
    "passes: differs from the reference exactly as an expectation file says",
    "FAILS: agrees with the reference although an expectation file lists a difference; remove the entry",
    "not applicable here; not counted",
    "FAILS: no observation could be made",
    "not comparable: this runtime's public API cannot express what the scenario asks; not counted as pass, fail or skip",
  ];
  // Cells with nothing to compare: left out of every percentage, as the legend says.
  const NOT_APPLICABLE = new Set([V.skip, V.noApi]);
  const FAILING = new Set([V.differ, V.unexpectedPass, V.error]);
  const impls = data.impls, rows = data.rows, refCol = data.refCol;
  const $ = (id) => document.getElementById(id);
  const rowIndex = new Map(rows.map((row, r) => [row.id, r]));
  const colIndex = new Map(impls.map((impl, col) => [impl.id, col]));

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  function refClass(row) {
    if (refCol < 0) return -1;
    const cell = row.c[refCol];
    return cell ? cell[1] : -1;
  }
  function classLetter(klass) {
    let text = "";
    let n = klass;
    do { text = String.fromCharCode(65 + (n % 26)) + text; n = Math.floor(n / 26) - 1; } while (n >= 0);
    return text;
  }
  function observation(row, klass) {
    const out = new Map();
    if (klass < 0) return out;
    const flat = row.obs[klass];
    for (let i = 0; i < flat.length; i += 2) out.set(data.fields[flat[i]], flat[i + 1]);
    return out;
  }
  // Only web links become hrefs: a link from the data must not run script or open local files.
  function linkHtml(link) {
    const text = String(link);
    if (/^https?:\/\//i.test(text))
      return "<a href=\"" + esc(text) + "\" target=\"_blank\" rel=\"noopener noreferrer\">" + esc(text) + "</a>";
    return esc(text);
  }

  // ---- banner, environment and per-implementation summary ----
  function renderBanner() {
    const t = data.totals || {};
    const banner = $("fdc-banner");
    const outcome = t.outcome || "pass";
    banner.className = "fdc-banner-" + outcome;
    banner.dataset.outcome = outcome;
    const incomplete = data.complete === false || t.missing > 0;
    let verdict = outcome === "fail" ? "✗ FAIL" : outcome === "incomplete" ? "⚠ INCOMPLETE" : "✓ PASS";
    if (outcome === "fail" && incomplete) verdict += " (incomplete run)";
    $("fdc-banner-verdict").textContent = verdict;
    const part = (name, n, label, title) => "<span class=\"fdc-count-" + name + "\" data-count=\"" + name + "\" title=\"" +
      esc(title) + "\"><b>" + n + "</b> " + label + "</span>";
    let counts = [
      part("failed", t.failed || 0, "failed", "differ, unexpected pass and error cells, and scenario files that did not load"),
      part("passed", t.passed || 0, "passed", "match and expected-differ cells"),
      part("accepted", t.accepted || 0, "accepted differences", "expected-differ cells: differences an expectation file accepts"),
      part("skipped", t.skipped || 0, "skipped", "not applicable; left out of every percentage"),
    ];
    if (t.noApi) counts.push(part("no-api", t.noApi, "no API",
      "cells whose runtime's public API cannot express the scenario; left out of every percentage"));
    if (t.missing) counts.push(part("missing", t.missing, "not run", "cells the run did not reach"));
    if (t.invalidFiles) counts.unshift(part("invalid", t.invalidFiles, t.invalidFiles === 1 ? "invalid scenario file" : "invalid scenario files",
      "scenario files that did not load; each counts as a failure"));
    let html = counts.join(" · ");
    // The files themselves, each problem on its line: nothing else on the page shows them (they have no row).
    if (t.invalid && t.invalid.length) {
      html += "<ul id=\"fdc-banner-invalid\">" + t.invalid.map((p) => "<li><code>" + esc(p.file) + ":" + esc(p.line) + ":" +
        esc(p.column) + "</code>: " + esc(p.message) + "</li>").join("") + "</ul>";
    }
    if (t.failed) html += " <button type=\"button\" id=\"fdc-show-failing\">show failing rows</button>";
    $("fdc-banner-counts").innerHTML = html;
    const hosts = data.environments.map((e) => [e.host, e.date].filter(Boolean).join(", ")).filter(Boolean);
    const f = data.fdconform || {};
    $("fdc-banner-meta").innerHTML = "reference: <b id=\"fdc-banner-reference\">" + esc(data.reference || "none") + "</b>" +
      (refCol < 0 ? " (not a column of this run: nothing is compared)" : "") +
      (hosts.length ? " · " + esc(hosts.join("; ")) : "") +
      " · fdconform " + esc(f.version || "?") + (f.commit ? " (" + esc(f.commit) + ")" : "");
    if ($("fdc-show-failing")) $("fdc-show-failing").addEventListener("click", () => {
      resetFilters(false);
      state.disagree = true;
      $("fdc-disagree").checked = true;
      applyFilters();
      writeFragment();
      $("fdc-controls").scrollIntoView();
    });
  }

  // Applicable: the cell ran (or errored) and so did the reference; skips, no-API and missing cells are left out.
  function columnStats(col) {
    const counts = [0, 0, 0, 0, 0, 0, 0];
    let agree = 0, applicable = 0, passed = 0;
    for (const row of rows) {
      const cell = row.c[col];
      if (!cell) continue;
      counts[cell[0]]++;
      const ref = refCol >= 0 ? row.c[refCol] : null;
      if (NOT_APPLICABLE.has(cell[0]) || !ref || NOT_APPLICABLE.has(ref[0])) continue;
      applicable++;
      if (!FAILING.has(cell[0])) passed++;
      if (cell[1] >= 0 && cell[1] === ref[1]) agree++;
    }
    return { counts, agree, applicable, passed };
  }
  function percent(n, m) { return m ? " (" + (100 * n / m).toFixed(1) + "%)" : ""; }

  function renderHeader() {
    const f = data.fdconform || {};
    $("fdc-meta").textContent = "fdconform " + (f.version || "?") + (f.commit ? " (" + f.commit + ")" : "") +
      " · reference: " + (data.reference || "none") + " · " + rows.length + " scenarios × " + impls.length +
      " implementations";
    $("fdc-incomplete").hidden = data.complete !== false;
    let env = "<h2>Environment</h2>";
    for (const block of data.environments) {
      env += "<table><tbody>";
      for (const key of Object.keys(block)) {
        const value = block[key];
        env += "<tr><th>" + esc(key) + "</th><td" + (key === "host" ? " class=\"fdc-env-host\"" : "") + ">" +
          esc(typeof value === "string" ? value : JSON.stringify(value)) + "</td></tr>";
      }
      env += "</tbody></table>";
    }
    $("fdc-environment").innerHTML = env;

    let html = "<h2>Per implementation</h2><table id=\"fdc-summary-table\"><thead><tr><th>implementation</th>" +
      "<th>version</th><th title=\"same observation as the reference, out of the cells where both ran (skips left out)\">" +
      "agrees with reference</th><th title=\"match or expected-differ, out of the same applicable cells\">passes</th>" +
      "<th>match</th><th>differ</th><th>expected differ</th><th>unexpected pass</th>" +
      "<th>skip</th><th>error</th><th>no API</th></tr></thead><tbody>";
    impls.forEach((impl, col) => {
      const s = columnStats(col);
      html += "<tr data-impl=\"" + esc(impl.id) + "\"><th>" + esc(impl.id) + (col === refCol ? " ★ reference" : "") +
        "</th><td>" + esc([impl.name, impl.version].filter(Boolean).join(" ")) + "</td>" +
        "<td class=\"num fdc-agree\">" + s.agree + " of " + s.applicable + " applicable" + percent(s.agree, s.applicable) + "</td>" +
        "<td class=\"num fdc-passes\">" + s.passed + " of " + s.applicable + percent(s.passed, s.applicable) + "</td>" +
        s.counts.map((n, v) => "<td class=\"num" + (n && FAILING.has(v) ? " fdc-fails" : "") + "\">" + n + "</td>").join("") +
        "</tr>";
    });
    $("fdc-summary").innerHTML = html + "</tbody></table>";
    $("fdc-legend").innerHTML = [V.match, V.expectedDiffer, V.differ, V.unexpectedPass, V.error, V.skip, V.noApi].map((v) =>
      "<span class=\"fdc-swatch fdc-v-" + data.verdicts[v] + "\" title=\"" + esc(MEANING[v]) + "\">" + SYMBOL[v] + " " +
      SHORT[v] + "</span>").join("") +
      " Letters (A, B, …) name a row's distinct observations: cells with the same letter saw the same thing. " +
      "★ marks the reference column. Arrow keys move between cells, Enter opens one, Escape closes it.";
  }

  // ---- the matrix ----
  // Rows are added in chunks: the first screenful appears at once and the rest follows without
  // blocking the page. A fixed table layout keeps each added chunk from re-measuring the whole table.
  const FIRST_CHUNK = 80, CHUNK = 200;
  const tbody = document.querySelector("#fdc-matrix tbody");
  let renderedRows = 0;
  const whenRendered = [];
  const familyStart = impls.map((impl, col) => col === 0 || impls[col - 1].family !== impl.family);

  function cellTip(cell) {
    const verdict = cell[0], klass = cell[1];
    return data.verdicts[verdict] + (klass >= 0 ? ", observation " + classLetter(klass) : "") +
      (cell[2] ? ": " + cell[2] : "") + (cell[4] && cell[4].reason ? " (accepted: " + cell[4].reason + ")" : "");
  }
  function rowHtml(r) {
    const row = rows[r];
    const parts = ["<tr id=\"" + esc(row.id) + "\" data-r=\"" + r + "\"><th><a class=\"fdc-perma\" tabindex=\"-1\" href=\"#" +
      esc(encodeURIComponent(row.id)) + "\" title=\"permalink to this row\">§</a><span class=\"fdc-id\" title=\"" +
      esc(row.id) + "\">" + esc(row.id) + "</span><span class=\"fdc-title\" title=\"" + esc(row.title) + "\">" +
      esc(row.title) + "</span></th>"];
    row.c.forEach((cell, col) => {
      const cls = "fdc-cell c" + col + (col === refCol ? " fdc-ref-col" : "") + (familyStart[col] ? " fdc-family-start" : "");
      // The first cell of the first row is the grid's entry point for Tab; arrows move from there.
      const tab = r === 0 && col === 0 ? "0" : "-1";
      if (!cell) {
        parts.push("<td class=\"" + cls + " fdc-missing\" role=\"gridcell\" tabindex=\"" + tab + "\" data-c=\"" + col +
          "\" title=\"not run\">not run</td>");
        return;
      }
      const verdict = cell[0], klass = cell[1];
      parts.push("<td class=\"" + cls + " fdc-v-" + data.verdicts[verdict] + "\" role=\"gridcell\" tabindex=\"" + tab +
        "\" data-c=\"" + col + "\" title=\"" + esc(cellTip(cell)) + "\"><span class=\"fdc-sym\" aria-hidden=\"true\">" +
        SYMBOL[verdict] + "</span>" + SHORT[verdict] +
        // A skipped cell may still carry an (empty) observation; its letter would only be noise.
        (klass >= 0 && !NOT_APPLICABLE.has(verdict) ? "<span class=\"fdc-class\">" + classLetter(klass) + "</span>" : "") + "</td>");
    });
    parts.push("</tr>");
    return parts.join("");
  }

  function renderMatrixHead() {
    let families = "<tr class=\"fdc-families\"><th class=\"fdc-scenario-head\" rowspan=\"2\">scenario</th>";
    let head = "<tr class=\"fdc-impl-row\">";
    impls.forEach((impl, col) => {
      if (familyStart[col]) {
        let span = 1;
        while (col + span < impls.length && !familyStart[col + span]) span++;
        families += "<th class=\"fdc-family fdc-family-start\" colspan=\"" + span + "\" data-first=\"" + col + "\" data-span=\"" +
          span + "\" title=\"" + esc(impl.family) + "\"><span>" + esc(impl.family) + "</span></th>";
      }
      head += "<th class=\"fdc-impl c" + col + (col === refCol ? " fdc-ref" : "") + (familyStart[col] ? " fdc-family-start" : "") +
        "\" data-id=\"" + esc(impl.id) + "\" title=\"" + esc(impl.id + (col === refCol ? " (reference)" : "") +
        (impl.detail ? " — " + impl.detail : "")) + "\"><span>" + (col === refCol ? "<b class=\"fdc-ref-mark\">★ </b>" : "") +
        esc(impl.id) + "</span></th>";
    });
    // Fixed layout takes column widths from the first row, which here is the family row with its spans:
    // the colgroup gives every column its width instead.
    const table = document.getElementById("fdc-matrix");
    const colgroup = document.createElement("colgroup");
    colgroup.innerHTML = "<col class=\"fdc-scenario-col\">" + impls.map((impl, col) => "<col class=\"fdc-impl-col c" + col + "\">").join("");
    table.insertBefore(colgroup, table.firstChild);
    document.querySelector("#fdc-matrix thead").innerHTML = families + "</tr>" + head + "</tr>";
  }
  function updateFamilyHeads() {
    for (const th of document.querySelectorAll("#fdc-matrix thead th.fdc-family")) {
      const first = Number(th.dataset.first), span = Number(th.dataset.span);
      let shown = 0;
      for (let col = first; col < first + span; col++) if (!state.hiddenCols.has(col)) shown++;
      th.hidden = shown === 0;
      th.colSpan = Math.max(shown, 1);
    }
  }

  function renderRows(upTo) {
    const start = renderedRows;
    const parts = [];
    for (let r = start; r < upTo; r++) parts.push(rowHtml(r));
    tbody.insertAdjacentHTML("beforeend", parts.join(""));
    renderedRows = upTo;
    for (let r = start; r < upTo; r++) if (!visible[r]) tbody.rows[r].hidden = true;
  }

  function renderRemainingRows() {
    if (renderedRows >= rows.length) {
      while (whenRendered.length) whenRendered.shift()();
      return;
    }
    renderRows(Math.min(rows.length, renderedRows + CHUNK));
    setTimeout(renderRemainingRows, 0);
  }

  // ---- filters ----
  const state = { text: "", tag: "", status: "", disagree: false, hiddenCols: new Set() };
  const searchText = rows.map((row) => [row.id, row.title, row.desc, row.file, (row.covers || []).join(" "),
    row.tags.map((t) => data.tags[t]).join(" ")].join("\n").toLowerCase());

  function renderControls() {
    $("fdc-tag").innerHTML += data.tags.map((t, i) => "<option value=\"" + i + "\">" + esc(t) + "</option>").join("");
    $("fdc-status").innerHTML += data.verdicts.map((v, i) => "<option value=\"" + i + "\">" + esc(v) + "</option>").join("");
    $("fdc-impl-list").innerHTML = impls.map((impl, col) =>
      "<label><input type=\"checkbox\" data-c=\"" + col + "\" checked> " + esc(impl.id) + (col === refCol ? " ★" : "") +
      "</label>").join("");
    const changed = () => { applyFilters(); writeFragment(); };
    $("fdc-search").addEventListener("input", (e) => { state.text = e.target.value.trim().toLowerCase(); changed(); });
    $("fdc-tag").addEventListener("change", (e) => { state.tag = e.target.value; changed(); });
    $("fdc-status").addEventListener("change", (e) => { state.status = e.target.value; changed(); });
    $("fdc-disagree").addEventListener("change", (e) => { state.disagree = e.target.checked; changed(); });
    $("fdc-impl-list").addEventListener("change", (e) => {
      const col = Number(e.target.dataset.c);
      if (e.target.checked) state.hiddenCols.delete(col); else state.hiddenCols.add(col);
      showColumns();
      changed();
    });
    $("fdc-reset").addEventListener("click", () => resetFilters(true));
    $("fdc-runtime-view").addEventListener("click", () => {
      state.hiddenCols = runtimeViewHidden();
      showColumns();
      changed();
    });
  }
  // The columns the "one column per runtime" view hides (the report's data marks the ones it keeps).
  function runtimeViewHidden() {
    return new Set(impls.map((impl, col) => col).filter((col) => !impls[col].runtimeView));
  }
  function isRuntimeView(hidden) {
    const wanted = runtimeViewHidden();
    return wanted.size > 0 && hidden.size === wanted.size && [...wanted].every((col) => hidden.has(col));
  }
  function showColumns() {
    $("fdc-column-style").textContent = [...state.hiddenCols].map((c) => "#fdc-matrix .c" + c + "{display:none}").join("\n");
    for (const box of $("fdc-impl-list").querySelectorAll("input")) box.checked = !state.hiddenCols.has(Number(box.dataset.c));
    updateFamilyHeads();
  }
  function syncControls() {
    $("fdc-search").value = state.text; $("fdc-tag").value = state.tag; $("fdc-status").value = state.status;
    $("fdc-disagree").checked = state.disagree;
    showColumns();
  }

  function resetFilters(write) {
    state.text = ""; state.tag = ""; state.status = ""; state.disagree = false; state.hiddenCols.clear();
    syncControls();
    applyFilters();
    if (write) writeFragment();
  }

  // Disagreement is a failing verdict in a shown column: a skip is not a disagreement, and neither is a
  // difference an expectation file accepts (the status filter finds those).
  function disagrees(row) {
    for (let col = 0; col < row.c.length; col++) {
      const cell = row.c[col];
      if (cell && !state.hiddenCols.has(col) && FAILING.has(cell[0])) return true;
    }
    return false;
  }
  function rowVisible(row, r) {
    if (state.text && !searchText[r].includes(state.text)) return false;
    if (state.tag !== "" && !row.tags.includes(Number(state.tag))) return false;
    if (state.status !== "") {
      const wanted = Number(state.status);
      if (!row.c.some((cell, col) => cell && cell[0] === wanted && !state.hiddenCols.has(col))) return false;
    }
    if (state.disagree && !disagrees(row)) return false;
    return true;
  }
  const visible = rows.map(() => true);
  function applyFilters() {
    const trs = tbody.rows;
    let shown = 0;
    rows.forEach((row, r) => {
      visible[r] = rowVisible(row, r);
      if (visible[r]) shown++;
      if (r < renderedRows && trs[r].hidden === visible[r]) trs[r].hidden = !visible[r];
    });
    $("fdc-count").textContent = shown + " of " + rows.length + " scenarios shown";
    $("fdc-count").dataset.shown = String(shown);
  }

  // ---- permalinks: "#<scenario id>" for a row (the older form), otherwise
  // "#s=<scenario>&i=<implementation>&q=<search>&tag=<tag>&status=<verdict>&disagree=1&hide=<impl>...",
  // with "view=runtimes" in place of the hide list when the columns shown are the one-per-runtime view ----
  let openAt = null;  // {r, col} of the cell whose panel is open
  function fragmentFor(r, col) {
    const p = new URLSearchParams();
    if (r != null) p.set("s", rows[r].id);
    if (col != null) p.set("i", impls[col].id);
    if (state.text) p.set("q", state.text);
    if (state.tag !== "") p.set("tag", data.tags[Number(state.tag)]);
    if (state.status !== "") p.set("status", data.verdicts[Number(state.status)]);
    if (state.disagree) p.set("disagree", "1");
    if (isRuntimeView(state.hiddenCols)) p.set("view", "runtimes");
    else for (const col of [...state.hiddenCols].sort((a, b) => a - b)) p.append("hide", impls[col].id);
    const text = p.toString();
    return text ? "#" + text : "";
  }
  function writeFragment() {
    const hash = openAt ? fragmentFor(openAt.r, openAt.col) : fragmentFor(null, null);
    if (hash === location.hash || (!hash && !location.hash)) return;
    history.replaceState(null, "", hash || location.pathname + location.search);
  }
  function readFragment() {
    const raw = location.hash.slice(1);
    if (!raw) return null;
    let decoded = null;
    try { decoded = decodeURIComponent(raw); } catch (e) { /* not a row id */ }
    if (decoded !== null && rowIndex.has(decoded)) return { row: decoded, filters: null };
    if (!raw.includes("=")) return null;
    const p = new URLSearchParams(raw);
    const tag = data.tags.indexOf(p.get("tag"));
    const status = data.verdicts.indexOf(p.get("status"));
    return {
      row: p.get("s"), impl: p.get("i"),
      filters: { text: (p.get("q") || "").toLowerCase(), tag: tag >= 0 ? String(tag) : "", status: status >= 0 ? String(status) : "",
                 disagree: p.get("disagree") === "1",
                 hidden: p.get("view") === "runtimes" ? [...runtimeViewHidden()]
                   : p.getAll("hide").map((id) => colIndex.get(id)).filter((c) => c !== undefined) },
    };
  }
  function goToFragment() {
    const target = readFragment();
    if (!target) return;
    if (target.filters) {
      const f = target.filters;
      state.text = f.text; state.tag = f.tag; state.status = f.status; state.disagree = f.disagree;
      state.hiddenCols = new Set(f.hidden);
      syncControls();
      applyFilters();
    }
    if (target.row == null || !rowIndex.has(target.row)) return;
    const r = rowIndex.get(target.row);
    const col = target.impl != null && colIndex.has(target.impl) ? colIndex.get(target.impl) : null;
    if (r >= renderedRows) {  // not drawn yet: come back when it is
      whenRendered.push(goToFragment);
      return;
    }
    const tr = tbody.rows[r];
    // A shared link must show its row and cell whatever the filters were.
    if (tr.hidden || (col != null && state.hiddenCols.has(col))) resetFilters(false);
    for (const old of document.querySelectorAll("tr.fdc-target")) old.classList.remove("fdc-target");
    tr.classList.add("fdc-target");
    if (col != null) {
      openCell(r, col);
      focusCell(cellAt(r, col));
    } else {
      tr.scrollIntoView({ block: "center" });
    }
  }

  // ---- keyboard: a roving tabindex over the grid ----
  function cellAt(r, col) { return tbody.rows[r] ? tbody.rows[r].cells[col + 1] : null; }
  function focusCell(td) {
    if (!td) return;
    for (const old of tbody.querySelectorAll("td[tabindex=\"0\"]")) if (old !== td) old.tabIndex = -1;
    td.tabIndex = 0;
    td.focus({ preventScroll: true });
    td.scrollIntoView({ block: "nearest", inline: "nearest" });
  }
  function stepRow(r, delta, count) {
    let found = r;
    for (let next = r + delta, moved = 0; next >= 0 && next < renderedRows && moved < count; next += delta)
      if (!tbody.rows[next].hidden) { found = next; moved++; }
    return found;
  }
  function stepCol(col, delta, count) {
    let found = col;
    for (let next = col + delta, moved = 0; next >= 0 && next < impls.length && moved < count; next += delta)
      if (!state.hiddenCols.has(next)) { found = next; moved++; }
    return found;
  }
  function onGridKey(e) {
    const td = e.target.closest && e.target.closest("td.fdc-cell");
    if (!td) return;
    const r = Number(td.parentElement.dataset.r), col = Number(td.dataset.c);
    let nr = r, nc = col;
    switch (e.key) {
      case "ArrowRight": nc = stepCol(col, 1, 1); break;
      case "ArrowLeft": nc = stepCol(col, -1, 1); break;
      case "ArrowDown": nr = stepRow(r, 1, 1); break;
      case "ArrowUp": nr = stepRow(r, -1, 1); break;
      case "PageDown": nr = stepRow(r, 1, 10); break;
      case "PageUp": nr = stepRow(r, -1, 10); break;
      case "Home": if (e.ctrlKey) nr = stepRow(-1, 1, 1); nc = stepCol(-1, 1, 1); break;
      case "End": if (e.ctrlKey) nr = stepRow(renderedRows, -1, 1); nc = stepCol(impls.length, -1, 1); break;
      case "Enter": case " ": openCell(r, col); e.preventDefault(); return;
      default: return;
    }
    e.preventDefault();
    focusCell(cellAt(nr, nc));
  }
  // Focus that leaves the grid comes back to the last cell visited, not to the first one.
  tbody.addEventListener("focusin", (e) => {
    const td = e.target.closest && e.target.closest("td.fdc-cell");
    if (td && td.tabIndex !== 0) focusCell(td);
  });

  // ---- the cell panel ----
  function valueCell(value) {
    return value === undefined ? "<td class=\"fdc-absent\">(absent)</td>" : "<td>" + esc(value) + "</td>";
  }
  function openCell(r, col) {
    const row = rows[r], cell = row.c[col], impl = impls[col];
    for (const old of document.querySelectorAll("td.fdc-selected")) old.classList.remove("fdc-selected");
    const td = cellAt(r, col);
    if (td) td.classList.add("fdc-selected");
    openAt = { r, col };
    const refImpl = refCol >= 0 ? impls[refCol] : null;
    const mine = observation(row, cell ? cell[1] : -1);
    const theirs = observation(row, refClass(row));
    const verdict = cell ? cell[0] : -1;
    let html = "<h2 id=\"fdc-panel-title\">" + esc(row.id) + " on " + esc(impl.id) + "</h2>" +
      "<p class=\"fdc-panel-verdict-line\"><span class=\"fdc-panel-badge " + (cell ? "fdc-v-" + data.verdicts[verdict] : "fdc-missing") +
      "\">" + (cell ? SYMBOL[verdict] + " " : "") + "<b class=\"fdc-panel-verdict\">" + (cell ? esc(data.verdicts[verdict]) : "not run") +
      "</b></span> " + (cell ? esc(MEANING[verdict]) : "the run ended before this cell") +
      (cell && cell[1] >= 0 ? "; observation " + classLetter(cell[1]) : "") + "</p>";
    if (cell && verdict === V.skip) html += "<p class=\"fdc-reason fdc-skip-reason\"><b>Skipped:</b> " + esc(cell[2] || "no reason given") + "</p>";
    else if (cell && verdict === V.noApi) html += "<p class=\"fdc-reason fdc-no-api-reason\"><b>No API:</b> " + esc(String(cell[2] || "").replace(/^no API: /, "")) + "</p>";
    else if (cell && cell[2]) html += "<p class=\"fdc-reason\">" + esc(cell[2]) + "</p>";
    const expectation = cell && cell[4];
    // Several applicable expectation files can each have an entry for the cell: the first, then "also".
    const entries = expectation ? [expectation].concat(Array.isArray(expectation.also) ? expectation.also : []) : [];
    for (const entry of entries) {
      if (!entry || !(entry.reason || entry.link)) continue;
      const title = verdict === V.expectedDiffer ? "Why this difference is accepted"
        : verdict === V.unexpectedPass ? "Expectation entry to remove" : "Expectation entry (expects another difference)";
      html += "<div class=\"fdc-expectation\"><b>" + title +
        ":</b> <span class=\"fdc-expectation-reason\">" + esc(entry.reason || "") + "</span>";
      if (entry.link) html += "<br>link: <span class=\"fdc-expectation-link\">" + linkHtml(entry.link) + "</span>";
      if (entry.file) html += "<br>entry: <code>" + esc(entry.file) + (entry.line ? ":" + esc(entry.line) : "") + "</code>";
      html += "</div>";
    }
    html += "<div class=\"fdc-columns\"><div>";
    html += "<h2>Normalized observation</h2><table id=\"fdc-diff-table\"><colgroup><col style=\"width:30%\"><col><col></colgroup><thead><tr><th>field</th><th>" +
      esc(impl.id) + "</th><th>" + esc(refImpl ? refImpl.id + " (reference)" : "no reference") + "</th></tr></thead><tbody>";
    // Numbers in field names in numeric order (fd.2 before fd.10, step.2 before step.10), and one
    // heading per part of the observation: the child or each named child of a steps scenario,
    // the outcome, the steps, the parent after the spawn.
    const names = [...new Set([...mine.keys(), ...theirs.keys()])].sort((x, y) => x.localeCompare(y, "en", { numeric: true }));
    if (!names.length) html += "<tr><td colspan=\"3\" class=\"fdc-absent\">no observation on either side</td></tr>";
    let part = null;
    for (const name of names) {
      const namePart = name.split(".")[0];
      if (namePart !== part) {
        part = namePart;
        html += "<tr class=\"fdc-field-group\"><th colspan=\"3\">" + esc(part) + "</th></tr>";
      }
      const a = mine.get(name), b = theirs.get(name);
      const differs = mine.size && theirs.size && a !== b;
      html += "<tr" + (differs ? " class=\"fdc-diff\"" : "") + " data-field=\"" + esc(name) + "\"><th>" + esc(name) + "</th>" +
        valueCell(a) + valueCell(b) + "</tr>";
    }
    html += "</tbody></table>";
    if (cell && cell[3] && cell[3].length) {
      html += "<h2>Failed expectations (the scenario's expect block)</h2><table><thead><tr><th>field</th><th>expected</th><th>actual</th></tr></thead><tbody>";
      for (const [field, expected, actual] of cell[3])
        html += "<tr class=\"fdc-diff\"><th>" + esc(field) + "</th>" + valueCell(expected === null ? undefined : expected) +
          valueCell(actual === null ? undefined : actual) + "</tr>";
      html += "</tbody></table>";
    }
    html += "</div><div><h2>Scenario</h2><p><b>" + esc(row.title) + "</b></p>";
    if (row.desc) html += "<p>" + esc(row.desc) + "</p>";
    html += "<p>file: <code>" + esc(row.file) + ":" + esc(row.line) + "</code></p>";
    if (row.tags.length) html += "<p>tags: " + row.tags.map((t) => esc(data.tags[t])).join(", ") + "</p>";
    if (row.covers && row.covers.length) html += "<p>covers: " + row.covers.map(esc).join(", ") + "</p>";
    if (row.source) html += "<p>source: " + esc(row.source) + "</p>";
    if (row.yaml) html += "<pre>" + esc(row.yaml) + "</pre>";
    html += "<p><a id=\"fdc-cell-link\" href=\"" + esc(fragmentFor(r, col)) + "\">permalink to this cell</a> · <a href=\"#" +
      esc(encodeURIComponent(row.id)) + "\">permalink to this row</a></p></div></div>";
    $("fdc-panel-body").innerHTML = html;
    $("fdc-panel").hidden = false;
    writeFragment();
  }
  function closePanel() {
    if ($("fdc-panel").hidden) return;
    $("fdc-panel").hidden = true;
    const back = openAt ? cellAt(openAt.r, openAt.col) : null;
    for (const old of document.querySelectorAll("td.fdc-selected")) old.classList.remove("fdc-selected");
    openAt = null;
    writeFragment();
    if (back && (document.activeElement === document.body || $("fdc-panel").contains(document.activeElement) ||
                 tbody.contains(document.activeElement))) focusCell(back);
  }

  function measureStickyParts() {
    const root = document.documentElement.style;
    root.setProperty("--fdc-nav-height", $("fdc-controls").offsetHeight + "px");
    const families = document.querySelector("#fdc-matrix thead tr.fdc-families th.fdc-family");
    root.setProperty("--fdc-family-height", (families ? families.offsetHeight : 0) + "px");
    root.setProperty("--fdc-head-height", document.querySelector("#fdc-matrix thead").offsetHeight + "px");
  }

  // A link to a row or cell scrolls the page itself; the browser restoring the old position on reload
  // would undo that once the late rows arrive.
  if (location.hash && "scrollRestoration" in history) history.scrollRestoration = "manual";
  const renderStart = performance.now();
  renderHeader();
  renderControls();
  renderBanner();
  renderMatrixHead();
  document.getElementById("fdc-matrix").style.width = "calc(var(--fdc-first-col) + " + impls.length + " * var(--fdc-col))";
  applyFilters();
  renderRows(Math.min(rows.length, FIRST_CHUNK));
  measureStickyParts();
  window.addEventListener("resize", measureStickyParts);
  tbody.addEventListener("click", (e) => {
    const td = e.target.closest("td.fdc-cell");
    if (!td) return;
    const r = Number(td.parentElement.dataset.r), col = Number(td.dataset.c);
    focusCell(td);
    openCell(r, col);
  });
  tbody.addEventListener("keydown", onGridKey);
  $("fdc-close").addEventListener("click", closePanel);
  document.addEventListener("keydown", (e) => { if (e.key === "Escape") closePanel(); });
  window.addEventListener("hashchange", goToFragment);
  document.body.dataset.firstRowsMs = String(Math.round(performance.now() - renderStart));
  // data-ready marks the whole matrix drawn (the browser test waits for it).
  whenRendered.push(() => {
    document.body.dataset.renderMs = String(Math.round(performance.now() - renderStart));
    document.body.dataset.ready = "true";
  });
  goToFragment();
  setTimeout(renderRemainingRows, 0);
})();
