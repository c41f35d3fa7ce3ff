// The leaderboard page's behaviour: sortable tables, group filter, best cells, L0–FVU fronts,
// figures that fit the width on a click.
// Plain JavaScript, no library, nothing fetched; data comes from <script id="bench-data">.
"use strict";
(function () {
  const DATA = JSON.parse(document.getElementById("bench-data").textContent);
  const SVG = "http://www.w3.org/2000/svg"; // a namespace name, never fetched
  // Direction → score, larger is better. Unknown directions are shown but not ranked.
  const SCORE = { higher: (x) => x, lower: (x) => -x, one: (x) => -Math.abs(x - 1) };
  const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
    "#17becf", "#bcbd22", "#393b79", "#637939", "#843c39", "#7b4173", "#3182bd", "#e6550d"];
  const SHAPES = { core: "circle", extended: "square", classic: "diamond", reference: "triangle" };
  const tooltip = document.getElementById("tooltip");

  const num = (s) => (s === undefined || s === null || s === "" ? NaN : Number(s));
  const fmt = (x) => {
    if (x === null || x === undefined || Number.isNaN(x)) return "—";
    const a = Math.abs(x);
    return a !== 0 && (a >= 1e5 || a < 1e-3) ? x.toExponential(2) : String(+x.toPrecision(4));
  };
  const color = (sae) => PALETTE[Math.max(0, DATA.saes.indexOf(sae)) % PALETTE.length];
  const shown = () =>
    new Set([...document.querySelectorAll("input.group-filter:checked")].map((e) => e.value));
  const cell = (row, col) => row.querySelector(`td[data-col="${CSS.escape(col)}"]`);

  // ---- tables ---------------------------------------------------------------------------
  function markBest(table) {
    table.querySelectorAll("td.best").forEach((td) => td.classList.remove("best"));
    const rows = [...table.tBodies[0].rows]
      .filter((r) => !r.hidden && !DATA.unranked.includes(r.dataset.group));
    table.querySelectorAll("th[data-better]").forEach((th) => {
      const score = SCORE[th.dataset.better];
      if (!score) return;
      const scored = rows.map((r) => [cell(r, th.dataset.col), score(num(cell(r, th.dataset.col).dataset.value))])
        .filter(([, s]) => !Number.isNaN(s));
      if (!scored.length) return;
      const best = Math.max(...scored.map(([, s]) => s));
      scored.filter(([, s]) => Math.abs(s - best) <= 1e-9 * Math.abs(best))
        .forEach(([td]) => td.classList.add("best"));
    });
  }

  function sortBy(table, th) {
    const current = th.getAttribute("aria-sort");
    const ascending = current ? current === "descending" : th.dataset.better !== "higher";
    const numeric = th.dataset.type === "number";
    const key = (r) => {
      const td = cell(r, th.dataset.col);
      return numeric ? num(td.dataset.value) : (td.dataset.value ?? td.textContent).toLowerCase();
    };
    const sign = ascending ? 1 : -1;
    const rows = [...table.tBodies[0].rows];
    rows.sort((a, b) => {
      const x = key(a), y = key(b);
      if (!numeric) return sign * x.localeCompare(y);
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) - Number.isNaN(y); // NaN last
      return sign * (x - y);
    });
    table.querySelectorAll("th[aria-sort]").forEach((h) => h.removeAttribute("aria-sort"));
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.forEach((r) => table.tBodies[0].appendChild(r));
  }

  // ---- fronts ---------------------------------------------------------------------------
  function ticks(lo, hi, log) {
    if (log) {
      const out = [];
      for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++)
        for (const m of [1, 2, 5]) { const v = m * 10 ** e; if (v >= lo && v <= hi) out.push(v); }
      return out;
    }
    const raw = (hi - lo) / 6 || 1, mag = 10 ** Math.floor(Math.log10(raw)), r = raw / mag;
    const step = mag * (r >= 7.5 ? 10 : r >= 3.5 ? 5 : r >= 1.5 ? 2 : 1), out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
    return out;
  }

  function scale(values, range, log) {
    let lo = Math.min(...values), hi = Math.max(...values);
    if (log) { lo = Math.log10(lo); hi = Math.log10(hi); }
    const pad = (hi - lo) * 0.05 || Math.abs(lo) * 0.1 || 1;
    lo -= pad; hi += pad;
    const f = (v) => range[0] + ((log ? Math.log10(v) : v) - lo) / (hi - lo) * (range[1] - range[0]);
    f.domain = log ? [10 ** lo, 10 ** hi] : [lo, hi];
    return f;
  }

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (parent) parent.appendChild(e);
    return e;
  }

  function shape(kind, x, y, r) {
    if (kind === "square") return `M${x - r},${y - r}h${2 * r}v${2 * r}h${-2 * r}z`;
    if (kind === "diamond") return `M${x},${y - r * 1.3}l${r * 1.3},${r * 1.3}l${-r * 1.3},${r * 1.3}l${-r * 1.3},${-r * 1.3}z`;
    if (kind === "triangle") return `M${x},${y - r * 1.3}l${r * 1.2},${r * 2.1}h${-r * 2.4}z`;
    return `M${x - r},${y}a${r},${r} 0 1,0 ${2 * r},0a${r},${r} 0 1,0 ${-2 * r},0`;
  }

  function showTip(event, title, rows) {
    tooltip.replaceChildren();
    const head = document.createElement("strong");
    head.textContent = title;
    const table = document.createElement("table");
    for (const [k, v] of rows) table.insertRow().append(...[k, v].map((t) => {
      const td = document.createElement("td"); td.textContent = t; return td;
    }));
    tooltip.append(head, table);
    tooltip.style.display = "block";
    tooltip.style.left = `${Math.min(event.clientX + 14, window.innerWidth - 350)}px`;
    tooltip.style.top = `${event.clientY + 14}px`;
  }
  const hideTip = () => { tooltip.style.display = "none"; };

  function drawFront(figure) {
    const data = DATA.fronts[figure.dataset.system], groups = shown();
    const log = document.getElementById("log-fvu").checked;
    const points = data.points.filter((p) => groups.has(p.group) && p.l0 !== null && p.fvu !== null && (!log || p.fvu > 0));
    const refs = data.references.map((r) => ({ ...r, points: r.points.filter((p) => !log || p.fvu > 0) }));
    const all = [...points, ...refs.flatMap((r) => r.points)];
    const svg = figure.querySelector("svg");
    svg.replaceChildren();
    const W = 820, H = 380, M = { l: 62, r: 130, t: 12, b: 44 };
    if (!all.length) { el("text", { x: 20, y: 30 }, svg).textContent = "no points for the groups shown"; return; }
    const x = scale(all.map((p) => p.l0), [M.l, W - M.r], false);
    const y = scale(all.map((p) => p.fvu), [H - M.b, M.t], log);
    const grid = el("g", { class: "grid" }, svg), axis = el("g", { class: "axis" }, svg);
    for (const t of ticks(...x.domain, false)) {
      el("line", { x1: x(t), x2: x(t), y1: M.t, y2: H - M.b }, grid);
      el("text", { x: x(t), y: H - M.b + 16, "text-anchor": "middle" }, axis).textContent = fmt(t);
    }
    for (const t of ticks(...y.domain, log)) {
      el("line", { x1: M.l, x2: W - M.r, y1: y(t), y2: y(t) }, grid);
      el("text", { x: M.l - 6, y: y(t) + 4, "text-anchor": "end" }, axis).textContent = fmt(t);
    }
    el("path", { d: `M${M.l},${M.t}V${H - M.b}H${W - M.r}`, fill: "none" }, axis);
    el("text", { x: (M.l + W - M.r) / 2, y: H - 8, "text-anchor": "middle" }, axis).textContent = "L0 (active latents per window)";
    el("text", { x: 14, y: (H - M.b + M.t) / 2, "text-anchor": "middle", transform: `rotate(-90 14 ${(H - M.b + M.t) / 2})` }, axis)
      .textContent = `FVU (lower is better${log ? ", log scale" : ""})`;
    for (const ref of refs) {
      const pts = [...ref.points].sort((a, b) => a.l0 - b.l0);
      if (!pts.length) continue;
      el("polyline", { class: "reference", "data-reference": ref.name, points: pts.map((p) => `${x(p.l0)},${y(p.fvu)}`).join(" ") }, svg);
      for (const p of pts) {
        const dot = el("circle", { class: "reference-point", cx: x(p.l0), cy: y(p.fvu), r: 3, fill: "#7b8494" }, svg);
        dot.addEventListener("mousemove", (e) => showTip(e, ref.name, [["k", fmt(p.k)], ["l0", fmt(p.l0)], ["fvu", fmt(p.fvu)]]));
        dot.addEventListener("mouseleave", hideTip);
      }
      const last = pts[pts.length - 1];
      el("text", { x: x(last.l0) + 6, y: y(last.fvu) + 4 }, svg).textContent = ref.name;
    }
    for (const p of points) {
      const unconverged = p.converged === false; // hollow, outlined in the SAE's colour
      const mark = el("path", {
        class: unconverged ? "point unconverged" : "point", d: shape(SHAPES[p.group], x(p.l0), y(p.fvu), 5),
        fill: color(p.sae), style: unconverged ? `stroke: ${color(p.sae)}` : "",
        "data-sae": p.sae, "data-label": p.label, "data-seed": p.seed, "aria-label": `${p.label} seed ${p.seed}`,
      }, svg);
      const converged = p.converged === null || p.converged === undefined ? [] : [["converged", p.converged ? "yes" : "no"]];
      const rows = [["sae", p.sae], ["group", p.group], ["seed", String(p.seed)], ...converged,
        ...Object.entries(p.metrics).map(([k, v]) => [k, fmt(v)])];
      mark.addEventListener("mousemove", (e) => showTip(e, p.label, rows));
      mark.addEventListener("mouseleave", hideTip);
    }
  }

  function legend(figure) {
    const data = DATA.fronts[figure.dataset.system], box = figure.querySelector(".legend"), seen = new Set();
    for (const p of data.points) {
      if (seen.has(p.label) || p.l0 === null || p.fvu === null) continue; // no mark, no entry
      seen.add(p.label);
      const item = document.createElement("span");
      item.dataset.group = p.group;
      item.innerHTML = `<span class="swatch" style="background:${color(p.sae)}"></span>`;
      item.append(p.label);
      box.appendChild(item);
    }
    for (const ref of data.references) {
      const item = document.createElement("span");
      item.textContent = `┄ ${ref.name} (reference curve)`;
      box.appendChild(item);
    }
  }

  // ---- wiring ---------------------------------------------------------------------------
  const fronts = [...document.querySelectorAll("figure.front")];
  function applyFilter() {
    const groups = shown();
    document.querySelectorAll("tr[data-group], .legend [data-group]")
      .forEach((r) => { r.hidden = !groups.has(r.dataset.group); });
    document.querySelectorAll("table.leaderboard").forEach(markBest);
    fronts.forEach(drawFront);
  }
  document.querySelectorAll("th.sortable").forEach((th) =>
    th.addEventListener("click", () => sortBy(th.closest("table"), th)));
  document.querySelectorAll("input.group-filter, #log-fvu")
    .forEach((box) => box.addEventListener("change", applyFilter));
  // A figure shows at its natural size in its scroll box; a click fits it to the width and back.
  document.querySelectorAll(".figure-box img").forEach((img) =>
    img.addEventListener("click", () => img.classList.toggle("fit")));
  fronts.forEach(legend);
  applyFilter();
  document.documentElement.dataset.ready = "true";
})();
