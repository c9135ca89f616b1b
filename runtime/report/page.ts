import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { CatalogTable } from "./catalog.ts";
import { buildCharts } from "./charts.ts";
import {
  esc,
  formatCount,
  formatDuration,
  formatMoney,
  formatPercent,
  formatRatio,
  scriptJson,
} from "./html.ts";
import type { ReportData } from "./model.ts";
import { renderDagSvg, renderLegend } from "./svg-dag.ts";

/** How the page is delivered: a file (`report`) or live from `serve` (date links work there). */
export interface PageOptions {
  live?: boolean;
}

const assetsDir = fileURLToPath(new URL("./assets/", import.meta.url));

/** Chart.js's UMD build, inlined so that the page needs no network. */
function chartLibrary(): string {
  const main = createRequire(import.meta.url).resolve("chart.js");
  return readFileSync(path.join(path.dirname(main), "chart.umd.min.js"), "utf8").replace(
    /<\/script/gi,
    "<\\/script",
  );
}

const SECTIONS = [
  ["chain", "Chain"],
  ["dead-letters", "Dead letters"],
  ["quality", "Data quality"],
  ["business", "Business"],
  ["churn", "Churn"],
  ["lineage", "Lineage"],
  ["catalog", "Catalog"],
] as const;

function notYet(what: string, why: string): string {
  return `<div class="empty" data-empty><strong class="empty-title">Not yet.</strong> ${esc(what)} ${why}</div>`;
}

function chart(id: string, charts: Record<string, unknown>, size = "", label = ""): string {
  if (!charts[id]) return "";
  return `<div class="chart ${size}"><canvas data-chart="${esc(id)}" role="img" aria-label="${esc(label || id)}"></canvas></div>`;
}

function pill(state: string): string {
  const s = state.toLowerCase();
  const kind = ["succeeded", "passed"].includes(s)
    ? "ok"
    : ["failed", "dead-lettered", "rejected"].includes(s)
      ? "bad"
      : ["retrying", "running"].includes(s)
        ? "warn"
        : "idle";
  return `<span class="pill ${kind}">${esc(s)}</span>`;
}

function section(id: string, title: string, intro: string, body: string): string {
  return `<section class="block" id="${id}"><header><div><h2>${esc(title)}</h2><p>${intro}</p></div><a class="anchor" href="#${id}">#${id}</a></header>${body}</section>`;
}

function table(headers: Array<string | [string, "num"]>, rows: string[][]): string {
  const head = headers
    .map((h) => (Array.isArray(h) ? `<th class="num">${esc(h[0])}</th>` : `<th>${esc(h)}</th>`))
    .join("");
  const numeric = headers.map((h) => Array.isArray(h));
  const body = rows
    .map(
      (r) => `<tr>${r.map((cell, i) => `<td${numeric[i] ? ' class="num"' : ""}>${cell}</td>`).join("")}</tr>`,
    )
    .join("");
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function kpis(data: ReportData): string {
  const chain = data.chain;
  const generated = chain?.funnel.reduce((s, f) => s + (f.generated ?? 0), 0);
  const reconciled = chain ? chain.funnel.length > 0 && chain.funnel.every((f) => f.reconciled) : undefined;
  const hopsOk = chain?.hops.filter((h) => h.state === "succeeded").length ?? 0;
  const assertions = data.quality.assertions;
  const passed = assertions.filter((a) => a.state === "SUCCEEDED").length;
  const failed = assertions.filter((a) => a.state === "FAILED").length;
  const revenue = data.business?.revenueByRegionDay
    .filter((r) => r.date === data.batchDate)
    .reduce((s, r) => s + r.net_amount, 0);
  const high = data.churn?.riskBands.find((b) => b.band === data.churn?.highBand)?.customers;
  const scored = data.churn?.riskBands.reduce((s, b) => s + b.customers, 0);
  const latestMetrics = data.churn?.metrics.at(-1);
  const card = (key: string, label: string, value: string, note: string, tone = "") =>
    `<div class="kpi ${tone}" data-kpi="${key}"><div class="label">${esc(label)}</div><div class="value">${value}</div><div class="note">${note}</div></div>`;
  return `<section class="kpis" aria-label="key figures">${[
    card(
      "generated",
      "Records generated",
      formatCount(generated),
      chain ? `${chain.funnel.length} source(s)` : "no run yet",
    ),
    card(
      "reconciled",
      "Counts reconcile",
      reconciled === undefined ? "–" : reconciled ? "yes" : "no",
      "generated = bronze = silver + rejected",
      reconciled === undefined ? "" : reconciled ? "ok" : "bad",
    ),
    card(
      "hops",
      "Hops succeeded",
      chain ? `${hopsOk}/${chain.hops.length}` : "–",
      chain ? `updated ${esc(chain.updatedAt.slice(11, 19))} UTC` : "",
      chain && hopsOk < chain.hops.length ? "warn" : chain ? "ok" : "",
    ),
    card(
      "dead-letters",
      "Dead letters",
      formatCount(data.deadLetters.total),
      "across every dead-letter topic",
      data.deadLetters.total > 0 ? "bad" : "ok",
    ),
    card(
      "assertions",
      "Assertions passed",
      assertions.length > 0 ? `${passed}/${assertions.length}` : "–",
      failed > 0 ? `${failed} failed` : "Dataform assertions",
      failed > 0 ? "bad" : passed > 0 ? "ok" : "",
    ),
    card(
      "revenue",
      "Net revenue",
      revenue === undefined ? "–" : formatMoney(revenue, data.business?.currency),
      `on ${esc(data.batchDate ?? "–")}`,
    ),
    card(
      "high-risk",
      "High churn risk",
      high === undefined ? "–" : formatCount(high),
      scored ? `of ${formatCount(scored)} customers scored` : "no predictions yet",
      high ? "warn" : "",
    ),
    card(
      "auc",
      "Model ROC AUC",
      formatRatio(latestMetrics?.roc_auc),
      latestMetrics?.oracle_auc === undefined
        ? "oracle not known yet"
        : `oracle ${formatRatio(latestMetrics.oracle_auc)}`,
    ),
  ].join("")}</section>`;
}

function chainSection(data: ReportData, charts: Record<string, unknown>): string {
  const chain = data.chain;
  const intro =
    "Each hop of the batch date, when it ran and how it ended, and how the counts reconcile from generation to predictions.";
  if (!chain)
    return section(
      "chain",
      "The chain",
      intro,
      notYet("No batch has run.", "Run <code>winter-days run</code> (or <code>npm start</code>) and reload."),
    );
  const hopsTable = table(
    [
      "hop",
      "source",
      "state",
      ["attempts", "num"],
      ["duration", "num"],
      ["rows in", "num"],
      ["rows out", "num"],
      "started",
      "error",
    ],
    chain.hops.map((h) => [
      `<span class="mono">${esc(h.hop)}</span>`,
      esc(h.source),
      pill(h.state),
      formatCount(h.attempts) +
        (h.duplicate_deliveries > 0 ? ` <span class="faint">(+${h.duplicate_deliveries} dup)</span>` : ""),
      formatDuration(h.duration_ms),
      formatCount(h.rows_in),
      formatCount(h.rows_out),
      `<span class="faint">${esc(h.started_at.slice(11, 23))}</span>`,
      h.error ? `<span class="missing">${esc(h.error)}</span>` : "",
    ]),
  );
  const funnelTable = table(
    [
      "source",
      "batch",
      ["generated", "num"],
      ["landed", "num"],
      ["bronze", "num"],
      ["silver", "num"],
      ["rejected", "num"],
      ["gold", "num"],
      "reconciled",
    ],
    chain.funnel.map((f) => [
      esc(f.source),
      `<span class="mono faint">${esc(f.batch_id)}</span>`,
      formatCount(f.generated),
      formatCount(f.landed),
      formatCount(f.bronze),
      formatCount(f.silver),
      formatCount(f.rejected),
      `${formatCount(f.gold)} <span class="faint">${esc(f.goldTable.split(".")[1])}</span>`,
      f.reconciled ? pill("passed") : pill("failed"),
    ]),
  );
  const dataform = chain.dataform;
  const dataformBlock = dataform
    ? `<div class="panel"><h3>Dataform invocation: ${pill(dataform.state === "succeeded" ? "succeeded" : dataform.state)}</h3>
       <p class="muted">${dataform.actions.filter((a) => a.state === "SUCCEEDED").length} of ${dataform.actions.length} actions succeeded${dataform.invocation ? ` · <span class="mono faint">${esc(dataform.invocation.split("/").at(-1))}</span>` : ""}.</p>
       <div style="height:${Math.max(220, 22 * dataform.actions.filter((a) => a.kind !== "assertion").length + 60)}px">${chart("dataform-durations", charts, "fill", "duration of each Dataform table and operation")}</div>
       ${dataform.actions
         .filter((a) => a.state === "FAILED")
         .map((a) => `<p class="missing">${esc(a.target)}: ${esc(a.failure ?? "failed")}</p>`)
         .join("")}</div>`
    : `<div class="panel"><h3>Dataform invocation</h3>${notYet("Dataform has not run for this date.", "It starts once every source due that day is in bronze.")}</div>`;
  return section(
    "chain",
    `The chain, batch ${chain.batchDate}`,
    intro,
    `<div class="grid two">
      <div class="panel"><h3>Timeline</h3>${chart("chain-timeline", charts, "tall", "timeline of every hop")}</div>
      <div class="panel"><h3>Reconciliation funnel</h3>${chart("chain-funnel", charts, "tall", "records at each stage")}
        <p class="faint">Gold counts rows the batch added to its gold table (sales lines, customer-days of clicks, startup profiles); predicted counts customers scored.</p></div>
    </div>
    <h3 style="margin-top:18px">Counts per source</h3>${funnelTable}
    <h3 style="margin-top:18px">Hops</h3>${hopsTable}
    <div class="grid two" style="margin-top:18px">${dataformBlock}
      <div class="panel"><h3>Across batches</h3>${data.history.length > 1 ? chart("batch-history", charts, "tall", "records and wall time per batch") : notYet("Only one batch so far.", "Run more dates to see the trend.")}</div>
    </div>`,
  );
}

function deadLetterSection(data: ReportData, charts: Record<string, unknown>): string {
  const dl = data.deadLetters;
  const intro =
    "What each subscription gave up on, kept by the dead-letter topic's subscription until it is replayed (<code>winter-days dlq replay</code>).";
  const subscriptionsTable = table(
    ["kept by", "dead-letter topic", "fed by", ["depth", "num"], ["oldest", "num"]],
    dl.subscriptions.map((s) => [
      `<span class="mono">${esc(s.subscription)}</span>`,
      esc(s.topic),
      esc(s.feeds ?? "–"),
      s.depth > 0 ? `<strong class="missing">${formatCount(s.depth)}</strong>` : "0",
      s.oldestAgeMs === undefined ? "–" : formatDuration(s.oldestAgeMs),
    ]),
  );
  const backlog = table(
    [
      "push subscription",
      "topic",
      ["available", "num"],
      ["in flight", "num"],
      ["waiting retry", "num"],
      ["oldest unacked", "num"],
    ],
    dl.backlog.map((b) => [
      `<span class="mono">${esc(b.subscription)}</span>`,
      esc(b.topic),
      formatCount(b.available),
      formatCount(b.leased),
      formatCount(b.delayed),
      b.oldestAgeMs === undefined ? "–" : formatDuration(b.oldestAgeMs),
    ]),
  );
  if (dl.total === 0) {
    return section(
      "dead-letters",
      "Dead letters",
      intro,
      `<div class="callout ok" data-dead-letters="0"><strong>No dead letters.</strong> Every dead-letter topic is empty.</div>
       <div class="grid two" style="margin-top:16px"><div class="panel"><h3>Dead-letter topics</h3>${subscriptionsTable}</div><div class="panel"><h3>Backlog of the hops</h3>${backlog}</div></div>`,
    );
  }
  const oldest = dl.messages[0];
  const messages = table(
    ["message", "from", "reason", "batch", ["attempts", "num"], ["age", "num"], "error"],
    dl.messages.map((m) => [
      `<span class="mono faint">${esc(m.message_id)}</span>`,
      esc(m.hop ?? m.source_subscription ?? "–"),
      `<span class="pill bad">${esc(m.reason)}</span>`,
      esc([m.batch_date, m.source].filter(Boolean).join(" ") || "–"),
      formatCount(m.delivery_attempts),
      formatDuration(m.age_ms),
      esc(m.error_message ?? ""),
    ]),
  );
  return section(
    "dead-letters",
    "Dead letters",
    intro,
    `<div class="callout bad" data-dead-letters="${dl.total}"><strong>${formatCount(dl.total)} dead letter(s).</strong> ${
      oldest
        ? `The oldest, from ${esc(oldest.hop ?? "?")} (${esc(oldest.reason)}), has waited ${formatDuration(oldest.age_ms)}.`
        : ""
    }</div>
    <div class="grid two" style="margin-top:16px"><div class="panel"><h3>Depth per subscription</h3>${chart("dead-letter-depth", charts, "short", "dead letters per subscription")}</div>
    <div class="panel"><h3>Dead-letter topics</h3>${subscriptionsTable}</div></div>
    <h3 style="margin-top:18px">Oldest first</h3>${messages}
    <h3 style="margin-top:18px">Backlog of the hops</h3>${backlog}`,
  );
}

function qualitySection(data: ReportData, charts: Record<string, unknown>): string {
  const q = data.quality;
  const intro =
    "Every Dataform assertion (built-in unique keys and row conditions, and the named ones) with its result for this batch, the trend across batches, the unit tests, and the rows kept out of silver.";
  if (q.assertions.length === 0)
    return section(
      "quality",
      "Data quality",
      intro,
      notYet("No assertions found.", "The Dataform project could not be read."),
    );
  const assertions = table(
    ["assertion", "checks", "result", ["failing rows", "num"]],
    q.assertions.map((a) => [
      `<span class="mono">${esc(a.name)}</span><br><span class="faint">${esc(a.kind)}${a.parent ? ` on ${esc(a.parent)}` : ""}</span>`,
      a.checks.length > 0
        ? a.checks.map((c) => `<code>${esc(c)}</code>`).join("<br>")
        : esc(a.description ?? ""),
      pill(a.state === "SUCCEEDED" ? "passed" : a.state),
      formatCount(a.failingRows),
    ]),
  );
  const tests = table(
    ["unit test", "result"],
    q.unitTests.map((t) => [
      `<span class="mono">${esc(t.name)}</span>`,
      pill(t.state === "SUCCEEDED" ? "passed" : t.state),
    ]),
  );
  const rejectsTotal = q.rejects.reduce((s, r) => s + r.count, 0);
  return section(
    "quality",
    "Data quality",
    intro,
    `<div class="grid three">
      <div class="panel"><h3>This batch</h3>${chart("assertion-results", charts, "", "assertion results")}</div>
      <div class="panel"><h3>Across batches</h3>${chart("assertion-trend", charts, "", "assertion results per batch") || notYet("No Dataform run recorded.", "")}</div>
      <div class="panel"><h3>Rejected rows (${formatCount(rejectsTotal)})</h3>${rejectsTotal > 0 ? chart("rejects", charts, "", "rejected rows per day and reason") : `<div class="callout ok">No rows rejected in the last 30 days.</div>`}</div>
    </div>
    <details class="catalog-table" style="margin-top:18px"${q.assertions.some((a) => a.state === "FAILED") ? " open" : ""}><summary><strong>Assertions</strong><span class="desc">${q.assertions.filter((a) => a.state === "SUCCEEDED").length} passed, ${q.assertions.filter((a) => a.state === "FAILED").length} failed, ${q.assertions.filter((a) => a.state !== "SUCCEEDED" && a.state !== "FAILED").length} not run; failures first</span></summary><div class="body">${assertions}</div></details>
    <h3 style="margin-top:18px">Unit tests</h3>${tests}`,
  );
}

function businessSection(data: ReportData, charts: Record<string, unknown>): string {
  const b = data.business;
  const intro =
    "Net revenue by region and day, the best customers and what visitors do on the site (the last 30 days up to the batch date).";
  if (!b)
    return section(
      "business",
      "Business",
      intro,
      notYet("No sales in gold yet.", "They appear once Dataform has built <code>fct_sales</code>."),
    );
  const max = Math.max(1, ...b.topCustomers.map((c) => c.lifetime_net_amount));
  const top = table(
    ["customer", "region", ["orders", "num"], ["lifetime net", "num"], "last purchase"],
    b.topCustomers.map((c) => [
      `<span class="mono">${esc(c.customer_key)}</span>`,
      esc(c.region ?? "–"),
      formatCount(c.orders_count),
      `<div class="bar-cell" style="justify-content:flex-end"><span class="bar" style="width:${Math.round((70 * c.lifetime_net_amount) / max)}px"></span>${formatMoney(c.lifetime_net_amount, b.currency)}</div>`,
      esc(c.last_purchase_at ?? "–"),
    ]),
  );
  const active = b.activeCustomersByDay.find((a) => a.date === data.batchDate);
  return section(
    "business",
    "Business",
    intro,
    `<div class="grid two">
      <div class="panel"><h3>Revenue by region, ${esc(data.batchDate)}</h3>${chart("revenue-by-region", charts, "", "net revenue by region") || notYet("No sales on this date.", "")}</div>
      <div class="panel"><h3>Revenue by day and region</h3>${chart("revenue-by-day", charts, "", "net revenue by day and region")}</div>
      <div class="panel"><h3>Top customers by lifetime value</h3>${top}</div>
      <div class="panel"><h3>Click activity</h3>${chart("click-activity", charts, "", "click events by day and type") || notYet("No clickstream in silver yet.", "")}
        ${active ? `<p class="muted">${formatCount(active.customers)} logged-in customers were active on ${esc(active.date)}, in ${formatCount(active.sessions)} sessions.</p>` : ""}</div>
    </div>`,
  );
}

function churnSection(data: ReportData, charts: Record<string, unknown>): string {
  const c = data.churn;
  const intro =
    "How likely each customer is to stop buying, as the churn model scored them, how good the model is against the planted truth, and who to call first.";
  if (!c) {
    return section(
      "churn",
      "Churn",
      intro,
      notYet(
        "No predictions yet.",
        "The churn model runs after Dataform (vertex-submit → vertex-poll → predictions-load) and writes <code>fact_predictions_churn</code>.",
      ),
    );
  }
  const metricsRow = c.metrics.at(-1);
  const metricsTable = metricsRow
    ? table(
        ["metric", ["latest", "num"]],
        [
          ["ROC AUC", formatRatio(metricsRow.roc_auc)],
          ["oracle AUC (best possible)", formatRatio(metricsRow.oracle_auc)],
          [
            "ROC AUC / oracle",
            metricsRow.roc_auc && metricsRow.oracle_auc
              ? formatPercent(metricsRow.roc_auc / metricsRow.oracle_auc)
              : "–",
          ],
          ["PR AUC", formatRatio(metricsRow.pr_auc)],
          ["log loss", formatRatio(metricsRow.log_loss)],
          ["Brier score", formatRatio(metricsRow.brier_score)],
          ["holdout customers", formatCount(metricsRow.holdout_rows)],
        ].map(([k, v]) => [esc(k), v ?? ""]),
      )
    : notYet("No model metrics recorded.", "");
  const regions = [...new Set(c.atRisk.map((r) => r.region))];
  const cards = regions
    .map((region) => {
      const rows = c.atRisk.filter((r) => r.region === region);
      return `<div class="region-card" data-region="${esc(region)}"><h3><span>${esc(region)}</span><span class="faint">top ${rows.length} at ${esc(c.highBand ?? "high")} risk</span></h3>${table(
        ["customer", ["churn", "num"], ["lifetime", "num"], "last bought"],
        rows.map((r) => [
          `<span class="mono">${esc(r.customer_key)}</span>`,
          formatPercent(r.churn_probability),
          `${formatMoney(r.lifetime_net_amount, data.business?.currency)}<br><span class="faint">${formatCount(r.orders_count)} orders</span>`,
          esc(r.last_purchase_at ?? "–"),
        ]),
      )}</div>`;
    })
    .join("");
  return section(
    "churn",
    c.scoredDate ? `Churn, scored ${c.scoredDate}` : "Churn",
    intro + (c.modelVersion ? ` Model <code>${esc(c.modelVersion)}</code>.` : ""),
    `${c.scoredDate ? "" : notYet("No predictions for this date.", "Metrics of earlier runs are below.")}
    <div class="grid three">
      <div class="panel"><h3>Score distribution</h3>${chart("churn-histogram", charts, "", "customers per churn probability") || notYet("No scores.", "")}</div>
      <div class="panel"><h3>Risk bands</h3>${chart("risk-bands", charts, "", "customers per risk band") || notYet("No risk bands.", "")}</div>
      <div class="panel"><h3>Model quality</h3>${metricsTable}</div>
    </div>
    <div class="panel" style="margin-top:18px"><h3>Metrics across batches, against the oracle</h3>${chart("model-metrics", charts, "", "model metrics per batch") || notYet("No metrics yet.", "")}</div>
    <h3 style="margin-top:18px">Most valuable customers at ${esc(c.highBand ?? "high")} risk, per region</h3>
    ${cards ? `<div class="regions">${cards}</div>` : notYet("No customer is at high risk.", "")}`,
  );
}

function lineageSection(data: ReportData): string {
  const states = new Map(Object.entries(data.lineage.states));
  const intro =
    "Where every table comes from: the sources, bronze, every Dataform action (assertions and unit tests as ✓ badges on the table they check) and the churn model, drawn from the compiled Dataform graph; and the event chain between the hops, drawn from the topology. Hover a node for its description and last result.";
  const dataDag =
    data.lineage.data.nodes.length > 0
      ? `<div class="dag-wrap fit">${renderDagSvg(data.lineage.data, { id: "lineage-data", title: "data lineage", states, layout: { nodeWidth: 184, nodeHeight: 44, layerGap: 76, nodeGap: 14, margin: 16 } })}</div>${renderLegend(data.lineage.data)}`
      : notYet("No lineage.", "The Dataform project could not be compiled.");
  const eventsDag = `<div class="dag-wrap fit">${renderDagSvg(data.lineage.events, {
    id: "lineage-events",
    title: "event chain",
    states,
    layout: { nodeWidth: 184, nodeHeight: 44, layerGap: 96, nodeGap: 14, margin: 16 },
  })}</div>${renderLegend(data.lineage.events)}`;
  return section(
    "lineage",
    "Lineage",
    intro,
    `<p><button type="button" class="toggle" data-dag-zoom>Show at full size</button></p><h3>Data: sources → Dataform → predictions</h3>${dataDag}<h3 style="margin-top:22px">Events: the hops and their topics</h3>${eventsDag}`,
  );
}

function catalogTable(t: CatalogTable): string {
  const columns = t.columnsKnown
    ? table(
        ["column", "type", "description", "tests"],
        t.columns.map((c) => [
          `<span class="mono">${esc(c.name)}</span>`,
          `<span class="mono faint">${esc(c.type ?? "?")}</span>`,
          c.description
            ? `${esc(c.description)}${c.describedIn ? ` <span class="inherited">(from ${esc(c.describedIn)})</span>` : ""}`
            : `<span class="missing">no description</span>`,
          c.tests.map((x) => `<span class="tag">${esc(x)}</span>`).join(""),
        ]),
      )
    : notYet("Columns unknown.", "The table has not been built yet.");
  const extra = [
    t.tests.length > 0
      ? `<p><strong>Table checks:</strong> ${t.tests.map((x) => `<code>${esc(x)}</code>`).join(", ")}</p>`
      : "",
    t.assertions.length > 0
      ? `<p><strong>Assertions:</strong> ${t.assertions.map((x) => `<span class="mono">${esc(x)}</span>`).join(", ")}</p>`
      : "",
    t.unitTests.length > 0
      ? `<p><strong>Unit tests:</strong> ${t.unitTests.map((x) => `<span class="mono">${esc(x)}</span>`).join(", ")}</p>`
      : "",
    t.dependsOn.length > 0
      ? `<p class="muted"><strong>Built from:</strong> ${t.dependsOn.map((x) => `<span class="mono">${esc(x)}</span>`).join(", ")}</p>`
      : "",
    t.definedIn ? `<p class="faint">Defined in <span class="mono">${esc(t.definedIn)}</span></p>` : "",
  ].join("");
  return `<details class="catalog-table" data-catalog-table="${esc(t.key)}"><summary><span class="mono"><strong>${esc(t.key)}</strong></span><span class="tag">${esc(t.kind)}</span><span class="desc">${esc(t.description ?? "")}</span><span class="faint">${t.columns.length} columns</span></summary><div class="body">${columns}${extra}</div></details>`;
}

function catalogSection(data: ReportData): string {
  const intro =
    "Every table of every layer with its columns, types, descriptions and checks, from the record schemas and the Dataform project. The same catalog is in <code>docs/catalog/</code> (<code>winter-days catalog</code>).";
  if (data.catalog.layers.length === 0)
    return section(
      "catalog",
      "Catalog",
      intro,
      notYet("No catalog.", "The Dataform project could not be read."),
    );
  const layers = data.catalog.layers
    .map(
      (l) =>
        `<div class="catalog-layer"><h3>${esc(l.title)} <span class="faint">· ${l.tables.length} tables</span></h3><p class="muted">${esc(l.summary)}</p>${l.tables.map(catalogTable).join("")}</div>`,
    )
    .join("");
  return section(
    "catalog",
    "Catalog",
    intro,
    `<input id="catalog-filter" type="search" placeholder="Filter tables and columns…" aria-label="filter the catalog">${layers}`,
  );
}

function header(data: ReportData, options: PageOptions): string {
  const dates = data.dates.slice(0, 10);
  const dateLinks =
    options.live && dates.length > 1
      ? `<div class="dates">batches: ${dates
          .map(
            (d) => `<a href="?date=${esc(d)}"${d === data.batchDate ? ' class="current"' : ""}>${esc(d)}</a>`,
          )
          .join("")}</div>`
      : dates.length > 1
        ? `<div class="dates">${data.dates.length} batches in the ledger, ${esc(data.dates.at(-1))} to ${esc(data.dates[0])}</div>`
        : "";
  return `<header class="top"><div class="inner"><h1><span class="flake">❄</span>winter-days<small>run report</small></h1>
    <div class="meta">batch date <strong data-batch-date>${esc(data.batchDate ?? "none yet")}</strong> · generated ${esc(data.generatedAt.replace("T", " ").slice(0, 19))} UTC${options.live ? " · live" : ""}${dateLinks}</div></div></header>`;
}

/** The whole report as one self-contained HTML document. */
export function renderPage(data: ReportData, options: PageOptions = {}): string {
  const charts = buildCharts(data);
  const css = readFileSync(path.join(assetsDir, "report.css"), "utf8");
  const script = readFileSync(path.join(assetsDir, "report.js"), "utf8");
  const problems =
    data.problems.length > 0
      ? `<div class="problems"><strong>Some parts could not be read:</strong><ul>${data.problems.map((p) => `<li>${esc(p)}</li>`).join("")}</ul></div>`
      : "";
  const nav = `<nav class="toc" aria-label="sections"><div class="inner">${SECTIONS.map(([id, label]) => `<a class="toc-link" href="#${id}">${esc(label)}</a>`).join("")}</div></nav>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>winter-days · run report${data.batchDate ? ` · ${esc(data.batchDate)}` : ""}</title>
<style>${css}</style></head>
<body>${header(data, options)}${nav}<main>${problems}${kpis(data)}${chainSection(data, charts)}${deadLetterSection(data, charts)}${qualitySection(data, charts)}${businessSection(data, charts)}${churnSection(data, charts)}${lineageSection(data)}${catalogSection(data)}</main>
<footer>winter-days · generated from the run ledger, the broker, the warehouse, the compiled Dataform project and the topology. One file, no network needed.</footer>
<script type="application/json" id="report-data">${scriptJson({ charts, currency: data.business?.currency ?? "EUR", batchDate: data.batchDate })}</script>
<script>${chartLibrary()}</script>
<script>${script}</script>
</body></html>
`;
}
