import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RISK_BAND_THRESHOLDS } from "../../lib/ml/prediction-files.ts";
import { type RunSummary, runChain } from "../../runtime/chain.ts";
import { renderCatalogMarkdown } from "../../runtime/report/catalog-markdown.ts";
import {
  generateCatalog,
  type ReportData,
  renderReport,
  reportSourcesOf,
  startReportServer,
  tablesWithoutColumns,
  undocumentedColumns,
} from "../../runtime/report/index.ts";
import { openTestPlatform, type TestPlatform } from "../support/local-platform.ts";
import { type Browser, launchChromium } from "./browser.ts";

const DATE = "2026-11-02";
const catalogDir = fileURLToPath(new URL("../../docs/catalog/", import.meta.url));

/**
 * Predictions for the date when the chain did not produce any (its ML hops not wired yet): every
 * customer of dim_customer with a score derived from the key, and the metrics a run records.
 */
async function plantPredictionsIfMissing(platform: TestPlatform): Promise<boolean> {
  const existing = await platform.warehouse.query<{ n: number }>(
    `SELECT COUNT(*) AS n FROM winter_days_warehouse.fact_predictions_churn WHERE batch_date = DATE '${DATE}'`,
  );
  if (Number(existing[0]?.n) > 0) return false;
  await platform.warehouse.query(
    `INSERT INTO winter_days_warehouse.fact_predictions_churn
     SELECT customer_key, DATE '${DATE}', p,
            CASE WHEN p >= ${RISK_BAND_THRESHOLDS.high} THEN 'high' WHEN p >= ${RISK_BAND_THRESHOLDS.medium} THEN 'medium' ELSE 'low' END,
            'churn-lr-fixture', TIMESTAMPTZ '${DATE} 06:00:00+00'
     FROM (SELECT customer_key, (hash(customer_key) % 1000) / 1000.0 AS p FROM winter_days_warehouse.dim_customer)`,
  );
  await platform.deps.ledger.recordStage(DATE, "predictions", {
    state: "loaded",
    model_version: "churn-lr-fixture",
    metrics: {
      roc_auc: 0.74,
      pr_auc: 0.41,
      oracle_auc: 0.83,
      log_loss: 0.52,
      brier_score: 0.17,
      holdout_rows: 300,
    },
  });
  return true;
}

/** Canvases with how many pixels each has painted. */
async function paintedCanvases(page: Page): Promise<Array<{ id: string; painted: number }>> {
  return await page.evaluate(() =>
    [...document.querySelectorAll<HTMLCanvasElement>("canvas[data-chart]")].map((canvas) => {
      const context = canvas.getContext("2d");
      const pixels = context?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) painted++;
      return { id: canvas.dataset.chart ?? "", painted };
    }),
  );
}

/** Opens a page offline and records every script error and every request that left the file. */
async function open(browser: Browser, file: string) {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("request", (request) => {
    if (!request.url().startsWith("file:") && !request.url().startsWith("data:"))
      requests.push(request.url());
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForLoadState("load");
  return { page, errors, requests };
}

describe("the report after a real run", () => {
  let browser: Browser;
  let platform: TestPlatform;
  let summary: RunSummary;
  let data: ReportData;
  let file: string;
  let planted: boolean;

  beforeAll(async () => {
    browser = await launchChromium();
    platform = await openTestPlatform();
    summary = await runChain(platform, { date: DATE, seed: 7, scale: "small" });
    planted = await plantPredictionsIfMissing(platform);
    const rendered = await renderReport(reportSourcesOf(platform));
    data = rendered.data;
    file = path.join(platform.dir, "report.html");
    await writeFile(file, rendered.html);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.dispose();
  });

  it("opens offline, with no script error and no request leaving the file, and draws every chart", async () => {
    // Act
    const { page, errors, requests } = await open(browser, file);
    const canvases = await paintedCanvases(page);
    // Assess
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(data.problems).toEqual([]);
    const ids = canvases.map((c) => c.id);
    for (const required of [
      "chain-timeline",
      "chain-funnel",
      "dataform-durations",
      "assertion-results",
      "assertion-trend",
      "revenue-by-region",
      "revenue-by-day",
      "click-activity",
      "churn-histogram",
      "risk-bands",
      "model-metrics",
    ]) {
      expect(ids, `chart ${required}`).toContain(required);
    }
    for (const canvas of canvases) expect(canvas.painted, `chart ${canvas.id} is blank`).toBeGreaterThan(500);
    expect(await page.locator("svg#lineage-data g.node").count()).toBe(data.lineage.data.nodes.length);
    expect(await page.locator("svg#lineage-events g.node").count()).toBe(data.lineage.events.nodes.length);
    await page.close();
  });

  it("shows the run's numbers: the funnel, the key figures and the hops match the run ledger", async () => {
    const { page } = await open(browser, file);
    const generated = Object.values(summary.sources).reduce((sum, s) => sum + (s?.generated ?? 0), 0);
    const bronze = Object.values(summary.sources).reduce((sum, s) => sum + (s?.bronze ?? 0), 0);
    const funnel = await page.evaluate(() => {
      const canvas = document.querySelector('canvas[data-chart="chain-funnel"]');
      const chart = (
        window as unknown as {
          Chart: {
            getChart(c: Element | null): { data: { labels: string[]; datasets: Array<{ data: number[] }> } };
          };
        }
      ).Chart.getChart(canvas);
      const at = (label: string) =>
        chart.data.datasets.reduce((sum, d) => sum + (d.data[chart.data.labels.indexOf(label)] ?? 0), 0);
      return {
        generated: at("generated"),
        bronze: at("bronze"),
        silver: at("silver"),
        rejected: at("rejected"),
      };
    });
    expect(generated).toBeGreaterThan(0);
    expect(funnel.generated).toBe(generated);
    expect(funnel.bronze).toBe(bronze);
    expect(funnel.silver + funnel.rejected).toBe(bronze);
    expect(await page.locator('[data-kpi="generated"] .value').textContent()).toBe(
      generated.toLocaleString("en"),
    );
    expect(await page.locator("[data-batch-date]").textContent()).toBe(DATE);
    const timeline = await page.evaluate(
      () =>
        (
          window as unknown as { Chart: { getChart(c: Element | null): { data: { labels: string[] } } } }
        ).Chart.getChart(document.querySelector('canvas[data-chart="chain-timeline"]')).data.labels,
    );
    for (const hop of summary.hops) expect(timeline).toContain(`${hop.hop} · ${hop.source}`);
    await page.close();
  });

  it("lists every assertion of the Dataform project with this run's result", async () => {
    const run = await platform.deps.ledger.get(DATE);
    const actions =
      (run?.stages?.dataform as { actions?: Array<{ target: string; state: string }> } | undefined)
        ?.actions ?? [];
    const assertionResults = actions.filter((a) => a.target.startsWith("winter_days_assertions."));
    expect(assertionResults.length).toBeGreaterThan(10);
    expect(data.quality.assertions).toHaveLength(assertionResults.length);
    for (const result of assertionResults) {
      expect(
        data.quality.assertions.find((a) => `winter_days_assertions.${a.name}` === result.target)?.state,
      ).toBe(result.state);
    }
    expect(data.quality.unitTests.every((t) => t.state === "SUCCEEDED")).toBe(true);
  });

  it("answers the sales manager: the five most valuable customers at high risk in the North", async () => {
    const expected = await platform.warehouse.query<{ customer_key: string }>(
      `SELECT p.customer_key FROM winter_days_warehouse.fact_predictions_churn p
       JOIN winter_days_warehouse.dim_customer c USING (customer_key)
       WHERE p.batch_date = DATE '${DATE}' AND p.risk_band = 'high' AND c.region = 'North'
       ORDER BY c.lifetime_net_amount DESC, p.churn_probability DESC, p.customer_key LIMIT 5`,
    );
    expect(expected.length, planted ? "planted predictions" : "the chain's predictions").toBe(5);
    const { page } = await open(browser, file);
    const shown = await page.locator('[data-region="North"] tbody tr td:first-child').allTextContents();
    expect(shown).toEqual(expected.map((r) => r.customer_key));
    await page.close();
  });

  it("draws the lineage with this run's state on every Dataform table", async () => {
    const { page } = await open(browser, file);
    expect(
      await page
        .locator('svg#lineage-data [data-node="winter_days_warehouse.fct_sales"]')
        .getAttribute("data-state"),
    ).toBe("SUCCEEDED");
    expect(await page.locator('svg#lineage-data [data-node="model:churn"]').count()).toBe(1);
    await page.close();
  });

  it("catalogs every table of every layer with its columns, and every column has a description", async () => {
    const catalog = await generateCatalog(reportSourcesOf(platform));
    expect(tablesWithoutColumns(catalog)).toEqual([]);
    const tables = catalog.layers.flatMap((l) => l.tables.map((t) => t.key));
    for (const table of [
      "winter_days_bronze.sales",
      "winter_days_staging.stg_sales",
      "winter_days_warehouse.fct_sales",
      "winter_days_warehouse.fact_predictions_churn",
    ]) {
      expect(tables).toContain(table);
    }
    const missing = undocumentedColumns(catalog);
    expect(
      missing,
      `columns without a description (describe them in dataform/ or schemas/):\n${missing.join("\n")}`,
    ).toEqual([]);
  });

  it("keeps docs/catalog as `winter-days catalog` generates it", async () => {
    const catalog = await generateCatalog(reportSourcesOf(platform));
    for (const [name, text] of renderCatalogMarkdown(catalog)) {
      const committed = readFileSync(path.join(catalogDir, name), "utf8");
      expect(
        committed,
        `docs/catalog/${name} is stale: run \`npm run winter-days -- catalog\` after \`npm start\``,
      ).toBe(text.endsWith("\n") ? text : `${text}\n`);
    }
  });

  it("serves the same page live on loopback, re-rendered per request", async () => {
    let renders = 0;
    const server = await startReportServer({
      port: 0,
      render: async (date) => {
        renders++;
        return (await renderReport(reportSourcesOf(platform), { ...(date ? { date } : {}), live: true }))
          .html;
      },
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const first = await fetch(server.url);
      expect(first.status).toBe(200);
      expect(await first.text()).toContain(`data-batch-date>${DATE}<`);
      expect((await fetch(`${server.url}?date=${DATE}`)).status).toBe(200);
      expect(renders).toBe(2);
      expect((await fetch(`${server.url}?date=yesterday`)).status).toBe(400);
      expect((await fetch(`${server.url}nothing-here`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it("before any run, says 'not yet' in every data section instead of failing", async () => {
    const empty = await openTestPlatform();
    try {
      const { html, data: nothing } = await renderReport(reportSourcesOf(empty));
      expect(nothing.batchDate).toBeUndefined();
      expect(nothing.problems).toEqual([]);
      const emptyFile = path.join(empty.dir, "report.html");
      await writeFile(emptyFile, html);
      const { page, errors } = await open(browser, emptyFile);
      expect(errors).toEqual([]);
      for (const id of ["chain", "business", "churn"]) {
        expect(await page.locator(`section#${id} [data-empty]`).count(), `section ${id}`).toBeGreaterThan(0);
      }
      expect(await page.locator("svg#lineage-data g.node").count()).toBeGreaterThan(20);
      await page.close();
    } finally {
      await empty.dispose();
    }
  });
});
