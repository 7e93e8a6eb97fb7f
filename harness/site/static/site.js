// The reproduction site's only script: sortable tables, and the pair and query pages drawn from
// data/<collection>-<pair>.js (compact JSON handed over as a script, so that pages work from disk).
// Text from the data is set as textContent, never as HTML.
"use strict";

window.CLIR = (function () {
  const data = {};
  let waiting = null;

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.appendChild(child);
    return node;
  }

  function show(page, ...nodes) {  // replaceChildren would write "null" for a missing part
    page.replaceChildren(...nodes.filter(function (node) { return node; }));
  }

  function fixed(value, digits) {
    return value === null || value === undefined ? "—" : value.toFixed(digits);
  }

  // Click a header: sort by its column, descending first (best first); again: ascending.
  // Cells sort by data-sort (a number, or text with data-kind="text"); empty ones go last.
  function sortable(table) {
    const headers = table.tHead.rows[0].cells;
    Array.from(headers).forEach(function (header, index) {
      header.classList.add("sort");
      header.setAttribute("tabindex", "0");
      header.setAttribute("title", "sort by this column");
      const activate = function () {
        const descending = header.getAttribute("aria-sort") !== "descending";
        Array.from(headers).forEach(function (h) { h.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", descending ? "descending" : "ascending");
        const text = header.dataset.kind === "text";
        const body = table.tBodies[0];
        const rows = Array.from(body.rows).map(function (row, position) {
          const cell = row.cells[index];
          const raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim();
          return { row: row, position: position, empty: raw === "", key: text ? raw : parseFloat(raw) };
        });
        rows.sort(function (a, b) {
          if (a.empty !== b.empty) return a.empty ? 1 : -1;
          let order = 0;
          if (!a.empty) order = text ? a.key.localeCompare(b.key) : a.key - b.key;
          if (descending && !text) order = -order;
          if (!descending && text) order = -order;
          return order || a.position - b.position;
        });
        rows.forEach(function (r) { body.appendChild(r.row); });
      };
      header.addEventListener("click", activate);
      header.addEventListener("keydown", function (event) { if (event.key === "Enter") activate(); });
    });
  }

  function labels() {
    const node = document.getElementById("labels");
    return node ? JSON.parse(node.textContent) : {};
  }

  function label(names, method) {
    return names[method] ? names[method] + " (" + method + ")" : method;
  }

  function route() {
    const parts = decodeURIComponent(window.location.hash.slice(1)).split("/");
    const page = document.getElementById("pair-page") || document.getElementById("query-page");
    if (!page) return;
    if (parts.length < 2 || !parts[0] || !parts[1]) {
      page.replaceChildren(el("p", { text: "No pair named: open this page from the leaderboard's per-query links." }));
      return;
    }
    const key = parts[0] + "/" + parts[1];
    const draw = function (pair) {
      if (page.id === "pair-page") drawPair(page, pair);
      else drawQuery(page, pair, parts.slice(2).join("/"));
    };
    if (data[key]) { draw(data[key]); return; }
    waiting = { key: key, draw: draw };
    const script = el("script", { src: "data/" + parts[0] + "-" + parts[1] + ".js" });
    script.onerror = function () {
      page.replaceChildren(el("p", { text: "No query data for " + key + " in this site." }));
    };
    document.head.appendChild(script);
  }

  // Called by each data/<collection>-<pair>.js.
  function pairData(pair) {
    const key = pair.collection + "/" + pair.pair;
    data[key] = pair;
    if (waiting && waiting.key === key) { const draw = waiting.draw; waiting = null; draw(pair); }
  }

  function skippedList(pair, names) {
    const skipped = pair.methods.filter(function (m) { return m.status !== "ok"; });
    if (!skipped.length) return null;
    const list = el("ul", { class: "skipped-methods" });
    skipped.forEach(function (m) {
      list.appendChild(el("li", { text: label(names, m.name) + ": " + m.status + ", " + (m.reason || "no reason recorded") }));
    });
    return list;
  }

  function drawPair(page, pair) {
    const names = labels();
    const scored = pair.methods.map(function (m, i) { return { name: m.name, status: m.status, index: i }; })
      .filter(function (m) { return m.status === "ok"; });
    const select = el("select", { id: "measure", "aria-label": "measure" });
    pair.measures.forEach(function (m, i) { select.appendChild(el("option", { value: String(i), text: m })); });
    const holder = el("div", { class: "scroll" });
    const fill = function () {
      const k = parseInt(select.value, 10);
      const head = el("tr", {}, el("th", { "data-kind": "text", text: "query" }), el("th", { "data-kind": "text", text: "text" }));
      scored.forEach(function (m) { head.appendChild(el("th", { text: names[m.name] || m.name, title: m.name })); });
      const body = el("tbody");
      pair.queries.forEach(function (q) {
        const link = el("a", { href: "query.html#" + encodeURIComponent(pair.collection) + "/" + encodeURIComponent(pair.pair) + "/" + encodeURIComponent(q.id), text: q.id });
        const row = el("tr", {}, el("td", { "data-sort": q.id }, link), el("td", { "data-sort": q.text, text: q.text }));
        scored.forEach(function (m) {
          const value = q.scores[m.index] && q.scores[m.index][k] !== null ? q.scores[m.index][k] / pair.scale : null;
          row.appendChild(el("td", { class: "num", "data-sort": value === null ? "" : String(value), text: fixed(value, 4) }));
        });
        body.appendChild(row);
      });
      const table = el("table", { class: "sortable queries" }, el("thead", {}, head), body);
      holder.replaceChildren(table);
      sortable(table);
    };
    select.addEventListener("change", fill);
    show(page,
      el("h1", { text: pair.collection + " " + pair.pair + ": " + pair.queries.length + " queries" }),
      el("p", { text: "Dataset " + pair.dataset + ". Each method's score per query; click a query for its top 10 documents." }),
      el("label", { text: "Measure: " }, select),
      skippedList(pair, names),
      holder
    );
    fill();
    document.title = pair.pair + " queries · CLIR harness";
  }

  function drawQuery(page, pair, id) {
    const names = labels();
    const index = pair.queries.findIndex(function (q) { return q.id === id; });
    if (index < 0) {
      page.replaceChildren(el("p", { text: "No query " + id + " in " + pair.collection + " " + pair.pair + "." }));
      return;
    }
    const q = pair.queries[index];
    const base = "query.html#" + encodeURIComponent(pair.collection) + "/" + encodeURIComponent(pair.pair) + "/";
    const around = el("p", { class: "around" },
      el("a", { href: "pair.html#" + encodeURIComponent(pair.collection) + "/" + encodeURIComponent(pair.pair), text: "all queries of " + pair.pair }));
    if (index > 0) around.appendChild(el("a", { href: base + encodeURIComponent(pair.queries[index - 1].id), text: "previous" }));
    if (index + 1 < pair.queries.length) around.appendChild(el("a", { href: base + encodeURIComponent(pair.queries[index + 1].id), text: "next" }));
    const head = el("tr", {}, el("th", { "data-kind": "text", text: "method" }));
    pair.measures.forEach(function (m) { head.appendChild(el("th", { text: m })); });
    const body = el("tbody");
    pair.methods.forEach(function (m, i) {
      if (!q.scores[i]) return;
      const row = el("tr", {}, el("th", { scope: "row", "data-sort": m.name, text: label(names, m.name) }));
      q.scores[i].forEach(function (stored) {
        const value = stored === null ? null : stored / pair.scale;
        row.appendChild(el("td", { class: "num", "data-sort": value === null ? "" : String(value), text: fixed(value, 4) }));
      });
      body.appendChild(row);
    });
    const scores = el("table", { class: "sortable scores" }, el("thead", {}, head), body);
    const tops = el("div", { class: "tops" });
    pair.methods.forEach(function (m, i) {
      const top = q.top[i];
      if (!top) return;
      const list = el("ol");
      top.forEach(function (n) {
        const relevance = q.labels[String(n)];
        const mark = relevance === undefined ? "not judged (0)" : "relevance " + relevance;
        const passage = pair.passages[n];
        const opening = passage.length > 120 ? passage.slice(0, 120).replace(/\s+\S*$/, "") + " …" : passage;
        const item = el("li", { class: relevance > 0 ? "relevant" : "other" },
          el("span", { class: "label", text: mark }), el("code", { text: pair.docs[n] }),
          el("details", {}, el("summary", { class: "opening", lang: pair.pair.split("-")[1], text: opening }),
            el("p", { class: "passage", lang: pair.pair.split("-")[1], text: passage })));
        list.appendChild(item);
      });
      const found = top.filter(function (n) { return q.labels[String(n)] > 0; }).length;
      tops.appendChild(el("details", { class: "top", open: "" },
        el("summary", { text: label(names, m.name) + ": top " + top.length + ", " + found + " relevant of " + q.relevant }), list));
    });
    show(page,
      el("h1", { text: q.text }),
      el("p", { text: "Query " + q.id + " of " + pair.collection + " " + pair.pair + " (" + pair.dataset + "); " + q.relevant + " relevant documents." }),
      around,
      el("h2", { text: "Scores" }), scores,
      skippedList(pair, names),
      el("h2", { text: "Top 10 documents of each method" }), tops
    );
    sortable(scores);
    document.title = q.id + " · " + pair.pair + " · CLIR harness";
  }

  function start() {
    document.querySelectorAll("table.sortable").forEach(sortable);
    route();
  }

  window.addEventListener("hashchange", route);
  document.addEventListener("DOMContentLoaded", start);
  return { pairData: pairData, sortable: sortable };
})();
