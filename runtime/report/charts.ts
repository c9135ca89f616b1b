import type { FunnelRow, ReportData } from "./model.ts";

/**
 * Chart.js configurations built on the server from the report's data; the page embeds them as
 * JSON and assets/report.js draws them. `format` names how values read (the client adds the
 * formatting functions, which JSON cannot carry).
 */
export type ValueFormat = "count" | "ms" | "money" | "ratio" | "percent";

export interface ChartSpec {
  format: ValueFormat;
  /** Format of the second y axis (`y2`), when there is one. */
  format2?: ValueFormat;
  config: {
    type: string;
    data: { labels: unknown[]; datasets: Array<Record<string, unknown>> };
    options?: Record<string, unknown>;
  };
}

export const PALETTE = [
  "#2463d1",
  "#e08a00",
  "#12946b",
  "#d33f49",
  "#7c4dda",
  "#0f8fb3",
  "#b8548f",
  "#6b7a8c",
];

export const SOURCE_COLOURS: Record<string, string> = {
  sales: "#4f46e5",
  clickstream: "#0e94b3",
  startups: "#d2691e",
};

export const STATE_COLOURS: Record<string, string> = {
  succeeded: "#2f9e58",
  SUCCEEDED: "#2f9e58",
  retrying: "#e0a100",
  RUNNING: "#e0a100",
  "dead-lettered": "#d33f49",
  rejected: "#a8431a",
  FAILED: "#d33f49",
  SKIPPED: "#9aa4af",
};

const colourOf = (i: number) => PALETTE[i % PALETTE.length] ?? "#6b7a8c";

/** Stages of the reconciliation funnel, in order. */
export const FUNNEL_STAGES = [
  "generated",
  "landed",
  "bronze",
  "silver",
  "rejected",
  "gold",
  "predicted",
  "dead-lettered",
] as const;

function legendBottom(): Record<string, unknown> {
  return { legend: { position: "bottom" } };
}

function stackedBars(
  labels: string[],
  series: Array<{ label: string; values: number[]; colour: string }>,
  options: Record<string, unknown> = {},
): ChartSpec["config"] {
  return {
    type: "bar",
    data: {
      labels,
      datasets: series.map((s) => ({
        label: s.label,
        data: s.values,
        backgroundColor: s.colour,
        borderRadius: 3,
        maxBarThickness: 48,
      })),
    },
    options: {
      plugins: legendBottom(),
      scales: { x: { stacked: true, grid: { display: false } }, y: { stacked: true, beginAtZero: true } },
      ...options,
    },
  };
}

/** Values of a long table (date, key, value) as one series per key over the sorted dates. */
function pivot<T>(rows: T[], date: (r: T) => string, key: (r: T) => string, value: (r: T) => number) {
  const dates = [...new Set(rows.map(date))].sort();
  const keys = [...new Set(rows.map(key))].sort();
  const series = keys.map((k) => ({
    key: k,
    values: dates.map((d) =>
      rows.filter((r) => date(r) === d && key(r) === k).reduce((s, r) => s + value(r), 0),
    ),
  }));
  return { dates, series };
}

function chainCharts(data: ReportData, charts: Record<string, ChartSpec>): void {
  const chain = data.chain;
  if (!chain) return;
  const starts = chain.hops.map((h) => Date.parse(h.started_at)).filter(Number.isFinite);
  const origin = starts.length > 0 ? Math.min(...starts) : 0;
  // The Dataform run itself happens between the hops: from the invocation to the poll that saw it end.
  const invoked = chain.hops
    .filter((h) => h.hop === "dataform-invoke" && h.state === "succeeded")
    .map((h) => Date.parse(h.finished_at));
  const polled = chain.hops.find((h) => h.hop === "dataform-poll");
  const bars = chain.hops.map((h) => ({
    label: `${h.hop} · ${h.source}`,
    from: Date.parse(h.started_at) - origin,
    to: Date.parse(h.finished_at) - origin,
    colour: STATE_COLOURS[h.state] ?? "#6b7a8c",
  }));
  if (invoked.length > 0 && polled && chain.dataform) {
    const at = bars.findIndex((b) => b.label.startsWith("dataform-poll"));
    bars.splice(at < 0 ? bars.length : at, 0, {
      label: `Dataform workflow (${chain.dataform.actions.length} actions)`,
      from: Math.max(...invoked) - origin,
      to: Date.parse(polled.finished_at) - origin,
      colour: chain.dataform.state === "succeeded" ? "#8fb3ee" : "#f0a3a8",
    });
  }
  if (chain.hops.length > 0) {
    charts["chain-timeline"] = {
      format: "ms",
      config: {
        type: "bar",
        data: {
          labels: bars.map((b) => b.label),
          datasets: [
            {
              label: "hop",
              data: bars.map((b) => [b.from, Math.max(b.to, b.from + 1)]),
              backgroundColor: bars.map((b) => b.colour),
              borderRadius: 3,
              borderSkipped: false,
              barPercentage: 0.7,
            },
          ],
        },
        options: {
          indexAxis: "y",
          plugins: { legend: { display: false } },
          scales: {
            x: { beginAtZero: true, title: { display: true, text: "since the first hop started" } },
            y: { grid: { display: false } },
          },
        },
      },
    };
  }
  const funnelValue = (stage: (typeof FUNNEL_STAGES)[number], row: FunnelRow) => {
    switch (stage) {
      case "generated":
      case "landed":
      case "bronze":
      case "silver":
      case "rejected":
      case "gold":
        return row[stage] ?? 0;
      default:
        return 0;
    }
  };
  const datasets = chain.funnel.map((row) => ({
    label: row.source,
    data: FUNNEL_STAGES.map((stage) => funnelValue(stage, row)),
    backgroundColor: SOURCE_COLOURS[row.source] ?? "#6b7a8c",
    borderRadius: 3,
  }));
  datasets.push({
    label: "all sources",
    data: FUNNEL_STAGES.map((stage) =>
      stage === "predicted" ? (chain.predicted ?? 0) : stage === "dead-lettered" ? chain.deadLettered : 0,
    ),
    backgroundColor: "#8c959f",
    borderRadius: 3,
  });
  charts["chain-funnel"] = {
    format: "count",
    config: {
      type: "bar",
      data: { labels: [...FUNNEL_STAGES], datasets },
      options: {
        indexAxis: "y",
        plugins: legendBottom(),
        scales: { x: { stacked: true, beginAtZero: true }, y: { stacked: true, grid: { display: false } } },
      },
    },
  };
  const timed = (chain.dataform?.actions ?? []).filter(
    (a) => a.duration_ms !== undefined && a.kind !== "assertion",
  );
  if (timed.length > 0) {
    charts["dataform-durations"] = {
      format: "ms",
      config: {
        type: "bar",
        data: {
          labels: timed.map((a) => a.target.replace(/^winter_days_/, "")),
          datasets: [
            {
              label: "duration",
              data: timed.map((a) => a.duration_ms ?? 0),
              backgroundColor: timed.map((a) => STATE_COLOURS[a.state] ?? "#6b7a8c"),
              borderRadius: 3,
            },
          ],
        },
        options: {
          indexAxis: "y",
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true }, y: { grid: { display: false }, ticks: { autoSkip: false } } },
        },
      },
    };
  }
}

function historyCharts(data: ReportData, charts: Record<string, ChartSpec>): void {
  if (data.history.length === 0) return;
  charts["batch-history"] = {
    format: "count",
    format2: "ms",
    config: {
      type: "bar",
      data: {
        labels: data.history.map((h) => h.date),
        datasets: [
          {
            label: "records generated",
            data: data.history.map((h) => h.generated),
            backgroundColor: data.history.map((h) => (h.reconciled ? "#8fb3ee" : "#f0a3a8")),
            borderRadius: 3,
            maxBarThickness: 42,
          },
          {
            label: "wall time",
            type: "line",
            data: data.history.map((h) => h.wall_ms ?? null),
            borderColor: "#e08a00",
            backgroundColor: "#e08a00",
            yAxisID: "y2",
            tension: 0.25,
            pointRadius: 3,
          },
        ],
      },
      options: {
        plugins: legendBottom(),
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: true },
          y2: { beginAtZero: true, position: "right", grid: { display: false } },
        },
      },
    },
  };
}

function deadLetterCharts(data: ReportData, charts: Record<string, ChartSpec>): void {
  if (data.deadLetters.total === 0) return;
  charts["dead-letter-depth"] = {
    format: "count",
    config: {
      type: "bar",
      data: {
        labels: data.deadLetters.subscriptions.map((s) => s.subscription),
        datasets: [
          {
            label: "dead letters",
            data: data.deadLetters.subscriptions.map((s) => s.depth),
            backgroundColor: "#d33f49",
            borderRadius: 3,
          },
        ],
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true }, y: { grid: { display: false } } },
      },
    },
  };
}

function qualityCharts(data: ReportData, charts: Record<string, ChartSpec>): void {
  const q = data.quality;
  if (q.assertions.length > 0) {
    const count = (state: string) => q.assertions.filter((a) => a.state === state).length;
    const notRun = q.assertions.length - count("SUCCEEDED") - count("FAILED");
    charts["assertion-results"] = {
      format: "count",
      config: {
        type: "doughnut",
        data: {
          labels: ["passed", "failed", "not run"],
          datasets: [
            {
              data: [count("SUCCEEDED"), count("FAILED"), notRun],
              backgroundColor: ["#2f9e58", "#d33f49", "#c9d1d9"],
              borderWidth: 0,
            },
          ],
        },
        options: { cutout: "62%", plugins: legendBottom() },
      },
    };
  }
  if (q.trend.length > 0) {
    charts["assertion-trend"] = {
      format: "count",
      config: stackedBars(
        q.trend.map((t) => t.date),
        [
          { label: "passed", values: q.trend.map((t) => t.passed), colour: "#2f9e58" },
          { label: "failed", values: q.trend.map((t) => t.failed), colour: "#d33f49" },
          { label: "not run", values: q.trend.map((t) => t.notRun), colour: "#c9d1d9" },
        ],
      ),
    };
  }
  if (q.rejects.length > 0) {
    const { dates, series } = pivot(
      q.rejects,
      (r) => r.date,
      (r) => `${r.source}: ${r.reason}`,
      (r) => r.count,
    );
    charts.rejects = {
      format: "count",
      config: stackedBars(
        dates,
        series.map((s, i) => ({ label: s.key, values: s.values, colour: colourOf(i) })),
      ),
    };
  }
}

function businessCharts(data: ReportData, charts: Record<string, ChartSpec>): void {
  const b = data.business;
  if (!b) return;
  const { dates, series } = pivot(
    b.revenueByRegionDay,
    (r) => r.date,
    (r) => r.region,
    (r) => r.net_amount,
  );
  charts["revenue-by-day"] = {
    format: "money",
    config: stackedBars(
      dates,
      series.map((s, i) => ({ label: s.key, values: s.values, colour: colourOf(i) })),
    ),
  };
  const selected = b.revenueByRegionDay.filter((r) => r.date === data.batchDate);
  if (selected.length > 0) {
    charts["revenue-by-region"] = {
      format: "money",
      config: {
        type: "bar",
        data: {
          labels: series.map((s) => s.key),
          datasets: [
            {
              label: `net revenue ${data.batchDate}`,
              data: series.map((s) => selected.find((r) => r.region === s.key)?.net_amount ?? 0),
              backgroundColor: series.map((_, i) => colourOf(i)),
              borderRadius: 4,
            },
          ],
        },
        options: {
          plugins: { legend: { display: false } },
          scales: { x: { grid: { display: false } }, y: { beginAtZero: true } },
        },
      },
    };
  }
  if (b.clickActivity.length > 0) {
    const clicks = pivot(
      b.clickActivity,
      (r) => r.date,
      (r) => r.event_type,
      (r) => r.events,
    );
    charts["click-activity"] = {
      format: "count",
      config: stackedBars(
        clicks.dates,
        clicks.series.map((s, i) => ({
          label: s.key.replaceAll("_", " "),
          values: s.values,
          colour: colourOf(i),
        })),
      ),
    };
  }
}

function churnCharts(data: ReportData, charts: Record<string, ChartSpec>): void {
  const c = data.churn;
  if (!c) return;
  if (c.histogram.length > 0) {
    const width = 1 / c.histogram.length;
    charts["churn-histogram"] = {
      format: "count",
      config: {
        type: "bar",
        data: {
          labels: c.histogram.map((_, i) => `${(i * width).toFixed(2)}–${((i + 1) * width).toFixed(2)}`),
          datasets: [
            {
              label: "customers",
              data: c.histogram,
              backgroundColor: c.histogram.map(
                (_, i) => `hsl(${Math.round(140 - (140 * i) / (c.histogram.length - 1))}, 55%, 50%)`,
              ),
              barPercentage: 1,
              categoryPercentage: 0.96,
            },
          ],
        },
        options: {
          plugins: { legend: { display: false } },
          scales: {
            x: { title: { display: true, text: "churn probability" }, grid: { display: false } },
            y: { beginAtZero: true },
          },
        },
      },
    };
  }
  if (c.riskBands.length > 0) {
    const bandColour = (band: string) =>
      /high/i.test(band)
        ? "#d33f49"
        : /medium|mid/i.test(band)
          ? "#e0a100"
          : /low/i.test(band)
            ? "#2f9e58"
            : "#8c959f";
    charts["risk-bands"] = {
      format: "count",
      config: {
        type: "doughnut",
        data: {
          labels: c.riskBands.map((b) => b.band),
          datasets: [
            {
              data: c.riskBands.map((b) => b.customers),
              backgroundColor: c.riskBands.map((b) => bandColour(b.band)),
              borderWidth: 0,
            },
          ],
        },
        options: { cutout: "62%", plugins: legendBottom() },
      },
    };
  }
  if (c.metrics.length > 0) {
    const line = (label: string, values: Array<number | undefined>, colour: string, dashed = false) => ({
      label,
      data: values.map((v) => v ?? null),
      borderColor: colour,
      backgroundColor: colour,
      borderDash: dashed ? [6, 4] : [],
      tension: 0.2,
      pointRadius: 3,
      spanGaps: true,
    });
    charts["model-metrics"] = {
      format: "ratio",
      config: {
        type: "line",
        data: {
          labels: c.metrics.map((m) => m.date),
          datasets: [
            line(
              "ROC AUC",
              c.metrics.map((m) => m.roc_auc),
              "#2463d1",
            ),
            line(
              "oracle AUC (planted truth)",
              c.metrics.map((m) => m.oracle_auc),
              "#7c4dda",
              true,
            ),
            line(
              "PR AUC",
              c.metrics.map((m) => m.pr_auc),
              "#12946b",
            ),
            line(
              "Brier score",
              c.metrics.map((m) => m.brier_score),
              "#e08a00",
            ),
          ],
        },
        options: {
          plugins: legendBottom(),
          scales: { x: { grid: { display: false } }, y: { min: 0, max: 1 } },
        },
      },
    };
  }
}

/** Every chart the page draws, by the id its canvas names. */
export function buildCharts(data: ReportData): Record<string, ChartSpec> {
  const charts: Record<string, ChartSpec> = {};
  chainCharts(data, charts);
  historyCharts(data, charts);
  deadLetterCharts(data, charts);
  qualityCharts(data, charts);
  businessCharts(data, charts);
  churnCharts(data, charts);
  return charts;
}
