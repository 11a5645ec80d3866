// fdconform report page: renders the matrix from the embedded results data (see html.cpp for its
// shape) with plain DOM code, so the file works from disk with no network and no libraries.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("fdc-data").textContent);
  const V = { match: 0, differ: 1, expectedDiffer: 2, unexpectedPass: 3, skip: 4, error: 5 };
  const SHORT = ["match", "differ", "xdiff", "xpass", "skip", "error"];
  const FAILING = new Set([V.differ, V.unexpectedPass, V.error]);
  // Distinct observations other than the reference's each get a colour; the reference's is green.
  const PALETTE = ["#f6c28b", "#c6b3ea", "#f2a7b8", "#9fcdee", "#ece07f", "#a9dccb", "#e3b28a",
                   "#d3a6d9", "#b7c7f0", "#f0b7a0"];
  const impls = data.impls, rows = data.rows, refCol = data.refCol;
  const $ = (id) => document.getElementById(id);

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) =>
      ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  function classColour(row, klass) {
    const ref = refClass(row);
    if (klass === ref) return "var(--agree)";
    // Number the non-reference classes 0, 1, 2... so the first odd one out is always orange.
    const index = ref >= 0 && klass > ref ? klass - 1 : klass;
    if (index < PALETTE.length) return PALETTE[index];
    return "hsl(" + ((index * 137.5) % 360) + ", 70%, 80%)";
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

  // ---- header: environment and per-implementation summary ----
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
      "<th>version</th><th title=\"scenarios where this implementation observed exactly what the reference observed\">" +
      "agrees with reference</th><th>match</th><th>differ</th><th>expected differ</th><th>unexpected pass</th>" +
      "<th>skip</th><th>error</th></tr></thead><tbody>";
    impls.forEach((impl, col) => {
      const counts = [0, 0, 0, 0, 0, 0];
      let agree = 0, comparable = 0;
      for (const row of rows) {
        const cell = row.c[col];
        if (!cell) continue;
        counts[cell[0]]++;
        const ref = refClass(row);
        if (cell[1] >= 0 && ref >= 0) {
          comparable++;
          if (cell[1] === ref) agree++;
        }
      }
      const percent = comparable ? (100 * agree / comparable).toFixed(1) + "%" : "n/a";
      html += "<tr data-impl=\"" + esc(impl.id) + "\"><th>" + esc(impl.id) + (col === refCol ? " (reference)" : "") +
        "</th><td>" + esc([impl.name, impl.version].filter(Boolean).join(" ")) + "</td><td class=\"num\">" +
        percent + " (" + agree + "/" + comparable + ")</td>" +
        counts.map((n, v) => "<td class=\"num" + (n && FAILING.has(v) ? " fdc-fails" : "") + "\">" + n + "</td>").join("") +
        "</tr>";
    });
    $("fdc-summary").innerHTML = html + "</tbody></table>";
    $("fdc-legend").innerHTML = "<span class=\"fdc-swatch\" style=\"background:var(--agree)\">A</span>same observation as the reference " +
      "<span class=\"fdc-swatch\" style=\"background:" + PALETTE[0] + "\">B</span><span class=\"fdc-swatch\" style=\"background:" +
      PALETTE[1] + "\">C</span>each other distinct observation in the row " +
      "<span class=\"fdc-swatch\" style=\"background:var(--skip)\">skip</span>" +
      "<span class=\"fdc-swatch\" style=\"background:var(--error);color:#fff\">error</span>no observation. " +
      "Letters name a row's observations; click a cell for its diff against the reference.";
  }

  // ---- the matrix ----
  // Rows are added in chunks: the first screenful appears at once and the rest follows without
  // blocking the page. A fixed table layout keeps each added chunk from re-measuring the whole table.
  const FIRST_CHUNK = 80, CHUNK = 200;
  const tbody = document.querySelector("#fdc-matrix tbody");
  let renderedRows = 0;
  const whenRendered = [];

  function rowHtml(r) {
    const row = rows[r];
    const parts = ["<tr id=\"" + esc(row.id) + "\" data-r=\"" + r + "\"><th><a class=\"fdc-perma\" href=\"#" +
      esc(encodeURIComponent(row.id)) + "\" title=\"permalink to this row\">§</a><span class=\"fdc-id\" title=\"" +
      esc(row.id) + "\">" + esc(row.id) + "</span><span class=\"fdc-title\" title=\"" + esc(row.title) + "\">" +
      esc(row.title) + "</span></th>"];
    row.c.forEach((cell, col) => {
      if (!cell) {
        parts.push("<td class=\"fdc-cell fdc-missing c" + col + "\" data-c=\"" + col + "\" title=\"not run\"></td>");
        return;
      }
      const verdict = cell[0], klass = cell[1];
      let style = "";
      if (klass >= 0 && verdict !== V.error && verdict !== V.skip) style = " style=\"background:" + classColour(row, klass) + "\"";
      const tip = data.verdicts[verdict] + (klass >= 0 ? ", observation " + classLetter(klass) : "") +
        (cell[2] ? ": " + cell[2] : "");
      parts.push("<td class=\"fdc-cell fdc-v-" + data.verdicts[verdict] + " c" + col + "\" data-c=\"" + col + "\"" + style +
        " title=\"" + esc(tip) + "\">" + SHORT[verdict] +
        (klass >= 0 ? "<span class=\"fdc-class\">" + classLetter(klass) + "</span>" : "") + "</td>");
    });
    parts.push("</tr>");
    return parts.join("");
  }

  function renderMatrixHead() {
    let head = "<tr><th class=\"fdc-scenario-head\">scenario</th>";
    impls.forEach((impl, col) => {
      head += "<th class=\"fdc-impl c" + col + (col === refCol ? " fdc-ref" : "") + "\" title=\"" +
        esc(impl.id + (impl.detail ? " — " + impl.detail : "")) + "\"><span>" + esc(impl.id) + "</span></th>";
    });
    document.querySelector("#fdc-matrix thead").innerHTML = head + "</tr>";
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
      "<label><input type=\"checkbox\" data-c=\"" + col + "\" checked> " + esc(impl.id) + "</label>").join("");
    $("fdc-search").addEventListener("input", (e) => { state.text = e.target.value.trim().toLowerCase(); applyFilters(); });
    $("fdc-tag").addEventListener("change", (e) => { state.tag = e.target.value; applyFilters(); });
    $("fdc-status").addEventListener("change", (e) => { state.status = e.target.value; applyFilters(); });
    $("fdc-disagree").addEventListener("change", (e) => { state.disagree = e.target.checked; applyFilters(); });
    $("fdc-impl-list").addEventListener("change", (e) => {
      const col = Number(e.target.dataset.c);
      if (e.target.checked) state.hiddenCols.delete(col); else state.hiddenCols.add(col);
      $("fdc-column-style").textContent = [...state.hiddenCols].map((c) => "#fdc-matrix .c" + c + "{display:none}").join("\n");
      applyFilters();
    });
    $("fdc-reset").addEventListener("click", resetFilters);
  }

  function resetFilters() {
    state.text = ""; state.tag = ""; state.status = ""; state.disagree = false; state.hiddenCols.clear();
    $("fdc-search").value = ""; $("fdc-tag").value = ""; $("fdc-status").value = ""; $("fdc-disagree").checked = false;
    for (const box of $("fdc-impl-list").querySelectorAll("input")) box.checked = true;
    $("fdc-column-style").textContent = "";
    applyFilters();
  }

  // Disagreement: the shown columns saw more than one distinct observation, or one of them errored.
  function disagrees(row) {
    let seen = -1;
    for (let col = 0; col < row.c.length; col++) {
      const cell = row.c[col];
      if (!cell || state.hiddenCols.has(col)) continue;
      if (cell[0] === V.error) return true;
      if (cell[1] < 0) continue;
      if (seen >= 0 && cell[1] !== seen) return true;
      seen = cell[1];
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

  // ---- the cell panel ----
  function valueCell(value) {
    return value === undefined ? "<td class=\"fdc-absent\">(absent)</td>" : "<td>" + esc(value) + "</td>";
  }
  function openCell(r, col) {
    const row = rows[r], cell = row.c[col], impl = impls[col];
    for (const old of document.querySelectorAll("td.fdc-selected")) old.classList.remove("fdc-selected");
    const td = tbody.rows[r].cells[col + 1];
    if (td) td.classList.add("fdc-selected");
    const refImpl = refCol >= 0 ? impls[refCol] : null;
    const mine = observation(row, cell ? cell[1] : -1);
    const theirs = observation(row, refClass(row));
    let html = "<h2 id=\"fdc-panel-title\">" + esc(row.id) + " on " + esc(impl.id) + "</h2><p>verdict: <b class=\"fdc-panel-verdict\">" +
      (cell ? esc(data.verdicts[cell[0]]) : "not run") + "</b>" +
      (cell && cell[1] >= 0 ? ", observation " + classLetter(cell[1]) : "") + "</p>";
    if (cell && cell[2]) html += "<p class=\"fdc-reason\">" + esc(cell[2]) + "</p>";
    html += "<div class=\"fdc-columns\"><div>";
    html += "<h2>Normalized observation</h2><table id=\"fdc-diff-table\"><colgroup><col style=\"width:25%\"><col><col></colgroup><thead><tr><th>field</th><th>" +
      esc(impl.id) + "</th><th>" + esc(refImpl ? refImpl.id + " (reference)" : "no reference") + "</th></tr></thead><tbody>";
    const names = [...new Set([...mine.keys(), ...theirs.keys()])].sort();
    if (!names.length) html += "<tr><td colspan=\"3\" class=\"fdc-absent\">no observation on either side</td></tr>";
    for (const name of names) {
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
    html += "<p><a href=\"#" + esc(encodeURIComponent(row.id)) + "\">permalink to this row</a></p></div></div>";
    $("fdc-panel-body").innerHTML = html;
    $("fdc-panel").hidden = false;
  }
  function closePanel() {
    $("fdc-panel").hidden = true;
    for (const old of document.querySelectorAll("td.fdc-selected")) old.classList.remove("fdc-selected");
  }

  // ---- permalinks ----
  function goToFragment() {
    if (!location.hash) return;
    let id;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (e) { return; }
    const r = rows.findIndex((row) => row.id === id);
    if (r < 0) return;
    if (r >= renderedRows) {  // not drawn yet: come back when it is
      whenRendered.push(goToFragment);
      return;
    }
    const tr = tbody.rows[r];
    if (tr.hidden) resetFilters();  // a shared link must show its row whatever the filters were
    for (const old of document.querySelectorAll("tr.fdc-target")) old.classList.remove("fdc-target");
    tr.classList.add("fdc-target");
    tr.scrollIntoView({ block: "center" });
  }

  function measureStickyParts() {
    const root = document.documentElement.style;
    root.setProperty("--fdc-nav-height", $("fdc-controls").offsetHeight + "px");
    root.setProperty("--fdc-head-height", document.querySelector("#fdc-matrix thead").offsetHeight + "px");
  }

  const renderStart = performance.now();
  renderHeader();
  renderControls();
  renderMatrixHead();
  document.getElementById("fdc-matrix").style.width = "calc(var(--fdc-first-col) + " + impls.length + " * var(--fdc-col))";
  applyFilters();
  renderRows(Math.min(rows.length, FIRST_CHUNK));
  measureStickyParts();
  window.addEventListener("resize", measureStickyParts);
  tbody.addEventListener("click", (e) => {
    const td = e.target.closest("td.fdc-cell");
    if (!td) return;
    openCell(Number(td.parentElement.dataset.r), Number(td.dataset.c));
  });
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
