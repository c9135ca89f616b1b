/**
 * The backfill workflow (workflows/pipeline.workflows.yaml): first its control flow against scripted
 * hops (retries, polling, failures, URLs), then end to end on the offline platform, then the CLI.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnyHop, HOPS } from "../../functions/hops.ts";
import { predictionsLoadHop } from "../../functions/predictions-load/handle.ts";
import { vertexPollHop } from "../../functions/vertex-poll/handle.ts";
import { makeVertexSubmitHop } from "../../functions/vertex-submit/handle.ts";
import { memoryLogger } from "../../lib/log.ts";
import { runOfflineWorkflow } from "../../runtime/commands/workflows.ts";
import {
  parseWorkflow,
  runWorkflow,
  type Workflow,
  WorkflowExecutionError,
} from "../../runtime/workflows/index.ts";
import { openTestPlatform, type TestPlatform } from "../support/local-platform.ts";

const root = path.join(import.meta.dirname, "..", "..");
const workflowFile = path.join(root, "workflows", "pipeline.workflows.yaml");

type Json = Record<string, unknown>;
type Reply = { status: number; body: unknown };
/** A hop's answer to one request; `calls` counts earlier requests to the same hop and date. */
type HopScript = (body: Json, calls: number) => Reply | undefined;

const ok = (published: Json[], extra: Json = {}): Reply => ({
  status: 200,
  body: { outcome: "succeeded", published, ...extra },
});

/** Answers like the real hops when every stage succeeds. */
const happyHops: Record<string, HopScript> = {
  generate: (b) => {
    const batchId = `${b.source}-${b.date}-00000000`;
    const event = {
      event_type: "batch.landed",
      source: b.source,
      batch_date: b.date,
      batch_id: batchId,
      record_count: 10,
    };
    return { status: 200, body: { batch_id: batchId, records: 10, event } };
  },
  export: (b) => ok([{ ...b, event_type: "bronze.ready", record_count: 10 }], { rowsIn: 10, rowsOut: 10 }),
  "dataform-invoke": (b) =>
    ok([
      {
        event_type: "dataform.invoked",
        source: "warehouse",
        batch_date: b.batch_date,
        workflow_invocation: `inv-${b.batch_date}`,
      },
    ]),
  "dataform-poll": (b) =>
    ok([{ event_type: "dataform.completed", batch_date: b.batch_date, record_count: 25 }], { rowsOut: 25 }),
  "vertex-submit": (b) =>
    ok([{ event_type: "vertex.submitted", batch_date: b.batch_date, pipeline_job: `job-${b.batch_date}` }]),
  "vertex-poll": (b) =>
    ok([
      {
        event_type: "predictions.ready",
        batch_date: b.batch_date,
        record_count: 7,
        model_version: "churn-v1",
        pipeline_job: b.pipeline_job,
      },
    ]),
  "predictions-load": (b) =>
    ok([{ event_type: "predictions.loaded", batch_date: b.batch_date, record_count: 7 }], { rowsOut: 7 }),
};

interface Call {
  hop: string;
  url: string;
  date: string;
  body: Json;
}

/** Runs the pipeline YAML with `fetch` answered by scripts; sleeps are recorded, not waited for. */
class ScriptedRun {
  readonly calls: Call[] = [];
  readonly sleeps: number[] = [];
  readonly auth: Array<string | null> = [];
  readonly #scripts: Record<string, HopScript>;
  readonly #workflow: Workflow;

  constructor(workflow: Workflow, overrides: Record<string, HopScript> = {}) {
    this.#workflow = workflow;
    this.#scripts = { ...happyHops, ...overrides };
  }

  #answer = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const href = String(url);
    const hop = Object.keys(happyHops).find((name) => href.includes(name)) ?? "?";
    const body = JSON.parse(String(init?.body ?? "{}")) as Json;
    const date = String(body.date ?? body.batch_date);
    const earlier = this.calls.filter((c) => c.hop === hop && c.date === date).length;
    this.calls.push({ hop, url: href, date, body });
    const reply = this.#scripts[hop]?.(body, earlier) ??
      happyHops[hop]?.(body, earlier) ?? { status: 404, body: { error: "no hop" } };
    return new Response(JSON.stringify(reply.body), {
      status: reply.status,
      headers: { "content-type": "application/json" },
    });
  };

  async run(
    args: unknown,
    env: Record<string, string> = { HOPS_BASE_URL: "http://hops.test" },
  ): Promise<Json> {
    const result = await runWorkflow(this.#workflow, args, {
      http: this.#answer,
      env,
      logger: memoryLogger(),
      sleep: async (ms) => {
        this.sleeps.push(ms);
      },
    }).then((r) => {
      this.auth.push(...r.httpCalls.map((c) => c.auth));
      return r;
    });
    return result.result as Json;
  }

  /** Runs a workflow that must fail; answers its uncaught error map. */
  async fail(args: unknown): Promise<Json> {
    try {
      await this.run(args);
    } catch (error) {
      if (error instanceof WorkflowExecutionError) return error.errorAsJs() as Json;
      throw error;
    }
    throw new Error("the workflow was expected to fail");
  }

  hopsFor(date: string): string[] {
    return this.calls.filter((c) => c.date === date).map((c) => c.hop);
  }
}

const fullChain = (sources: string[]) => [
  ...sources.flatMap(() => ["generate", "export"]),
  ...sources.map(() => "dataform-invoke"),
  "dataform-poll",
  "vertex-submit",
  "vertex-poll",
  "predictions-load",
];

describe("the pipeline workflow's control flow, against scripted hops", () => {
  let workflow: Workflow;
  beforeAll(async () => {
    workflow = parseWorkflow(await readFile(workflowFile, "utf8"), workflowFile);
  });

  it("calls every hop in chain order per date, startups only on Mondays, and sums up each date", async () => {
    const run = new ScriptedRun(workflow);
    const result = await run.run({ from: "2026-11-01", to: "2026-11-02", seed: 5, scale: 300 });

    expect(run.hopsFor("2026-11-01")).toEqual(fullChain(["sales", "clickstream"]));
    expect(run.hopsFor("2026-11-02")).toEqual(fullChain(["sales", "clickstream", "startups"]));
    expect(run.calls.find((c) => c.hop === "generate")?.body).toEqual({
      source: "sales",
      date: "2026-11-01",
      seed: 5,
      scale: 300,
      // The workflow carries events itself; a published copy would run the chain twice.
      publish: false,
    });
    expect(run.calls.find((c) => c.hop === "export")?.body).toMatchObject({
      event_type: "batch.landed",
      batch_id: "sales-2026-11-01-00000000",
    });
    expect(run.auth.every((a) => a === "OIDC")).toBe(true);
    expect(result).toMatchObject({ from: "2026-11-01", to: "2026-11-02", dates: 2, succeeded: 2, failed: 0 });
    const [sunday] = result.summaries as Json[];
    expect(sunday).toMatchObject({
      date: "2026-11-01",
      state: "succeeded",
      sources: ["sales", "clickstream"],
      batches: { sales: "sales-2026-11-01-00000000", clickstream: "clickstream-2026-11-01-00000000" },
      counts: {
        generated: { sales: 10, clickstream: 10 },
        bronze: { sales: 10, clickstream: 10 },
        warehouse_rows: 25,
        predictions: 7,
        predictions_loaded: 7,
      },
      stages: {
        land: { state: "succeeded" },
        dataform: { state: "succeeded", polls: 1, invocation: "inv-2026-11-01" },
        vertex: { state: "succeeded", polls: 1, job: "job-2026-11-01", model_version: "churn-v1" },
        predictions_load: { state: "succeeded" },
      },
      error: null,
    });
  });

  it("retries a hop that answers 503, and polls a running job with a growing interval", async () => {
    const run = new ScriptedRun(workflow, {
      export: (_b, calls) =>
        calls === 0 ? { status: 503, body: { outcome: "retrying", error: "firestore busy" } } : undefined,
      "dataform-poll": (_b, calls) =>
        calls < 3 ? { status: 503, body: { outcome: "retrying", error: "RUNNING" } } : undefined,
    });
    const result = await run.run({ from: "2026-11-03", to: "2026-11-03", sources: ["sales"] });

    expect(result).toMatchObject({ succeeded: 1, failed: 0 });
    expect(run.hopsFor("2026-11-03").filter((h) => h === "export")).toHaveLength(2);
    expect(run.hopsFor("2026-11-03").filter((h) => h === "dataform-poll")).toHaveLength(4);
    expect((result.summaries as Json[])[0]).toMatchObject({ stages: { dataform: { polls: 4 } } });
    // One retry backoff (2 s), then poll intervals 5, 10, 20 s.
    expect(run.sleeps).toEqual([2000, 5000, 10000, 20000]);
  });

  it("fails a date whose hop refuses its event, finishes the other dates, then ends failed", async () => {
    const run = new ScriptedRun(workflow, {
      export: (b) =>
        b.batch_date === "2026-11-04" && b.source === "clickstream"
          ? {
              status: 422,
              body: {
                outcome: "rejected",
                reason: "count-mismatch",
                error: "3 rows in bronze, 10 announced",
              },
            }
          : undefined,
    });
    const error = await run.fail({ from: "2026-11-03", to: "2026-11-05", concurrency: 2 });

    expect(error).toMatchObject({
      tags: ["BackfillFailed"],
      message: "1 of 3 dates failed; see report.summaries",
    });
    const report = error.report as Json;
    expect(report).toMatchObject({ dates: 3, succeeded: 2, failed: 1 });
    const [before, failed, after] = report.summaries as Json[];
    expect(before).toMatchObject({ date: "2026-11-03", state: "succeeded" });
    expect(after).toMatchObject({ date: "2026-11-05", state: "succeeded" });
    expect(failed).toMatchObject({
      date: "2026-11-04",
      state: "failed",
      stages: { land: { state: "failed" }, dataform: { state: "not_run" } },
      counts: { generated: { sales: 10, clickstream: 10 }, bronze: { sales: 10 } },
      error: { stage: "land", hop: "export", code: 422, reason: "count-mismatch", tags: ["HopRejected"] },
    });
    expect((failed?.error as Json | undefined)?.message).toBe(
      "export refused its input: 3 rows in bronze, 10 announced",
    );
    // A permanent refusal is not retried, and nothing after it runs for that date.
    expect(run.hopsFor("2026-11-04")).toEqual(["generate", "export", "generate", "export"]);
  });

  it("gives up on a job that is still running at its deadline", async () => {
    const run = new ScriptedRun(workflow, {
      "dataform-poll": () => ({ status: 503, body: { outcome: "retrying", error: "RUNNING" } }),
    });
    const error = await run.fail({ from: "2026-11-03", to: "2026-11-03", poll: { dataform_timeout: 60 } });
    const [summary] = (error.report as Json).summaries as Json[];
    expect(summary).toMatchObject({
      state: "failed",
      stages: { land: { state: "succeeded" }, dataform: { state: "failed" }, vertex: { state: "not_run" } },
      error: { stage: "dataform", hop: "dataform-poll", tags: ["DeadlineExceeded"] },
    });
    expect(run.sleeps).toEqual([5000, 10000, 20000]);
  });

  it("reports a Dataform invocation that failed with its failing actions", async () => {
    const run = new ScriptedRun(workflow, {
      "dataform-poll": (b) =>
        ok([
          {
            event_type: "dataform.failed",
            batch_date: b.batch_date,
            state: "FAILED",
            failed_actions: ["winter_days_warehouse.fct_sales"],
          },
        ]),
    });
    const error = await run.fail({ from: "2026-11-03", to: "2026-11-03" });
    const [summary] = (error.report as Json).summaries as Json[];
    expect(summary).toMatchObject({ error: { stage: "dataform", tags: ["DataformFailed"] } });
    expect((summary?.error as Json | undefined)?.message).toBe(
      "Dataform invocation inv-2026-11-03 ended FAILED; failed actions [winter_days_warehouse.fct_sales]",
    );
    expect(run.hopsFor("2026-11-03")).not.toContain("vertex-submit");
  });

  it("stops after the stage named by until", async () => {
    const run = new ScriptedRun(workflow);
    const result = await run.run({ from: "2026-11-03", to: "2026-11-03", until: "warehouse" });
    expect(run.hopsFor("2026-11-03")).toEqual(fullChain(["sales", "clickstream"]).slice(0, 7));
    expect((result.summaries as Json[])[0]).toMatchObject({
      state: "succeeded",
      stages: {
        dataform: { state: "succeeded" },
        vertex: { state: "skipped" },
        predictions_load: { state: "skipped" },
      },
    });
  });

  it.each([
    [{ from: "2026-11-03", to: "2026-11-01" }, "to (2026-11-01) is before from (2026-11-03)"],
    [
      { from: "2026-11-31", to: "2026-12-01" },
      'from and to must be dates as YYYY-MM-DD, got from="2026-11-31" and to="2026-12-01"',
    ],
    [{ to: "2026-12-01" }, 'from and to must be dates as YYYY-MM-DD, got from=null and to="2026-12-01"'],
    [
      { from: "2026-08-01", to: "2026-11-09" },
      "at most 100 dates per execution; split 2026-08-01 to 2026-11-09 into several",
    ],
    [
      { from: "2026-11-01", to: "2026-11-01", sources: ["orders"] },
      'unknown source "orders"; sources are sales, clickstream, startups',
    ],
    [
      { from: "2026-11-01", to: "2026-11-01", concurrency: 0 },
      "concurrency must be an int from 1 to 20, got 0",
    ],
    [
      { from: "2026-11-01", to: "2026-11-01", until: "gold" },
      'until must be bronze, warehouse or predictions, got "gold"',
    ],
  ])("refuses %j before calling any hop", async (args, message) => {
    const run = new ScriptedRun(workflow);
    expect(await run.fail(args)).toMatchObject({ message, tags: ["ValueError", "InvalidArgument"] });
    expect(run.calls).toEqual([]);
  });

  it("finds hops by <FUNCTION>_URL, then HOPS_BASE_URL, then the Cloud Functions URL; hops_base_url overrides all", async () => {
    const deployed = new ScriptedRun(workflow);
    await deployed.run(
      { from: "2026-11-03", to: "2026-11-03", sources: ["sales"], until: "bronze" },
      {
        EXPORT_URL: "https://export-abc-ew.a.run.app",
        GOOGLE_CLOUD_PROJECT_ID: "acme-data",
        WINTER_DAYS_REGION: "europe-west4",
        WINTER_DAYS_PREFIX: "wd",
      },
    );
    expect(deployed.calls.map((c) => c.url)).toEqual([
      "https://europe-west4-acme-data.cloudfunctions.net/wd-generate",
      "https://export-abc-ew.a.run.app/",
    ]);

    const overridden = new ScriptedRun(workflow);
    await overridden.run(
      {
        from: "2026-11-03",
        to: "2026-11-03",
        sources: ["sales"],
        until: "bronze",
        hops_base_url: "http://127.0.0.1:9/",
        auth: "none",
      },
      { EXPORT_URL: "https://export-abc-ew.a.run.app", HOPS_BASE_URL: "http://elsewhere.test" },
    );
    expect(overridden.calls.map((c) => c.url)).toEqual([
      "http://127.0.0.1:9/generate",
      "http://127.0.0.1:9/export",
    ]);
    expect(overridden.auth).toEqual([null, null]);
  });
});

const exec = promisify(execFile);

/** Runs the winter-days CLI as a user would, on its own data directory. */
async function cli(
  dataDir: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [path.join(root, "runtime", "cli.ts"), ...args], {
      cwd: root,
      env: { ...process.env, WINTER_DAYS_DATA_DIR: dataDir, WINTER_DAYS_MODE: "local" },
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

interface Snapshot {
  ledger: Record<string, unknown>;
  tables: Record<string, number>;
}

/** What a re-run must not change: hop states and counts in the ledger, rows per table (and per date). */
async function snapshot(platform: TestPlatform, dates: string[]): Promise<Snapshot> {
  const ledger: Record<string, unknown> = {};
  for (const date of dates) {
    const run = await platform.deps.ledger.get(date);
    const hops: Record<string, unknown> = {};
    for (const [hop, bySource] of Object.entries(run?.hops ?? {})) {
      for (const [source, record] of Object.entries(bySource)) {
        hops[`${hop}/${source}`] = {
          state: record.state,
          batch_id: record.batch_id,
          rows_in: record.rows_in,
          rows_out: record.rows_out,
        };
      }
    }
    const sources = Object.fromEntries(
      Object.entries(run?.sources ?? {}).map(([s, f]) => [
        s,
        { batch_id: f?.batch_id, generated: f?.generated, landed: f?.landed, bronze: f?.bronze },
      ]),
    );
    const stage = (name: string) => (run?.stages?.[name] as Json | undefined)?.state;
    ledger[date] = { hops, sources, dataform: stage("dataform"), vertex: stage("vertex") };
  }
  const tables: Record<string, number> = {};
  const all = await platform.warehouse.query<{ name: string }>(
    `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
     WHERE table_schema IN ('winter_days_staging', 'winter_days_warehouse') ORDER BY 1`,
  );
  for (const { name } of all) {
    const [row] = await platform.warehouse.query<{ n: bigint }>(`SELECT count(*) AS n FROM ${name}`);
    tables[name] = Number(row?.n);
  }
  for (const table of ["winter_days_warehouse.fct_sales", "winter_days_warehouse.fact_predictions_churn"]) {
    const rows = await platform.warehouse.query<{ batch_date: string; n: bigint }>(
      `SELECT CAST(batch_date AS VARCHAR) AS batch_date, count(*) AS n FROM ${table} GROUP BY 1`,
    );
    for (const row of rows) tables[`${table}@${row.batch_date}`] = Number(row.n);
  }
  return { ledger, tables };
}

/**
 * The churn model needs 2 × label window + 1 days of churn_features before it can train. With the
 * production window (30 days) that is two months of history; a one-day window keeps this test to
 * two days of history before the three-day range.
 */
const LABEL_WINDOW_DAYS = 1;
const HISTORY = { from: "2026-10-30", to: "2026-10-31" };
const RANGE = { from: "2026-11-01", to: "2026-11-03" };
const DATES = ["2026-11-01", "2026-11-02", "2026-11-03"];
const SCALE = 300;

describe("backfilling with the pipeline workflow, offline end to end", () => {
  let platform: TestPlatform;
  const hops: AnyHop[] = [
    ...HOPS,
    makeVertexSubmitHop({ labelWindowDays: LABEL_WINDOW_DAYS }),
    vertexPollHop,
    predictionsLoadHop,
  ];
  const backfill = async (args: Json) => {
    const progress: string[] = [];
    const outcome = await runOfflineWorkflow(platform, {
      file: "pipeline",
      data: JSON.stringify({ scale: SCALE, ...args }),
      sleepScale: 0.01,
      hops,
      logSink: (line) => progress.push(String((JSON.parse(line) as Json).message)),
    });
    return { ...outcome, progress };
  };
  let first: Snapshot;
  let firstReport: Json;

  beforeAll(async () => {
    platform = await openTestPlatform();
    const history = await backfill({ ...HISTORY, until: "warehouse" });
    expect(history.exitCode, history.output).toBe(0);
  });
  afterAll(async () => {
    await platform.dispose();
  });

  it("backfills three dates through every hop, from generated batches to loaded predictions", async () => {
    const { exitCode, output, progress } = await backfill(RANGE);
    expect(exitCode, output).toBe(0);
    firstReport = JSON.parse(output) as Json;
    expect(firstReport).toMatchObject({ dates: 3, succeeded: 3, failed: 0 });
    expect(progress).toContain("2026-11-02: generating [sales,clickstream,startups]");
    first = await snapshot(platform, DATES);
    for (const summary of firstReport.summaries as Json[]) {
      const date = String(summary.date);
      const counts = summary.counts as {
        generated: Record<string, number>;
        bronze: Record<string, number>;
        warehouse_rows: number;
        predictions: number;
        predictions_loaded: number;
      };
      expect(summary.state).toBe("succeeded");
      expect(counts.bronze).toEqual(counts.generated);
      expect(counts.warehouse_rows).toBeGreaterThan(0);
      expect(counts.predictions).toBeGreaterThan(0);
      expect(counts.predictions_loaded).toBe(counts.predictions);
      // Nothing lost on the way: every generated sale is in gold, every prediction in its table.
      expect(first.tables[`winter_days_warehouse.fct_sales@${date}`]).toBe(counts.generated.sales);
      expect(first.tables[`winter_days_warehouse.fact_predictions_churn@${date}`]).toBe(counts.predictions);
      const ledger = first.ledger[date] as {
        hops: Record<string, { state: string }>;
        dataform: string;
        vertex: string;
      };
      expect(new Set(Object.values(ledger.hops).map((h) => h.state))).toEqual(new Set(["succeeded"]));
      expect(Object.keys(ledger.hops)).toEqual(
        expect.arrayContaining([
          "export/sales",
          "dataform-poll/warehouse",
          "vertex-poll/churn",
          "predictions-load/churn",
        ]),
      );
      expect([ledger.dataform, ledger.vertex]).toEqual(["succeeded", "succeeded"]);
    }
  });

  it("changes nothing when the same range is backfilled again", async () => {
    const { exitCode, output } = await backfill(RANGE);
    expect(exitCode, output).toBe(0);
    const stable = (report: Json) =>
      (report.summaries as Json[]).map((s) => ({
        date: s.date,
        state: s.state,
        batches: s.batches,
        counts: s.counts,
      }));
    expect(stable(JSON.parse(output) as Json)).toEqual(stable(firstReport));
    expect(await snapshot(platform, DATES)).toEqual(first);
  });
});

describe("winter-days workflows run", () => {
  let dataDir = "";
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "winter-days-cli-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("finishes the other dates when one fails, then exits 1 with the step and the per-date report", async () => {
    // The first date lands every due source; on the second only sales lands, so Dataform's barrier
    // for it cannot close.
    const landed = JSON.stringify({ from: "2026-11-05", to: "2026-11-05", scale: SCALE, until: "bronze" });
    expect((await cli(dataDir, ["workflows", "run", "pipeline", "--data", landed])).code).toBe(0);
    const data = JSON.stringify({
      from: "2026-11-05",
      to: "2026-11-06",
      sources: ["sales"],
      scale: SCALE,
      until: "warehouse",
      concurrency: 2,
    });
    const { code, stdout, stderr } = await cli(dataDir, [
      "workflows",
      "run",
      "pipeline",
      "--data",
      data,
      "--sleep-scale",
      "0.01",
    ]);
    expect(code, stderr).toBe(1);
    const failure = JSON.parse(stdout) as { step: string; error: Json };
    expect(failure.step).toBe("finish");
    expect(failure.error).toMatchObject({ tags: ["BackfillFailed"], report: { succeeded: 1, failed: 1 } });
    const summaries = (failure.error.report as Json).summaries as Json[];
    expect(summaries.map((s) => [s.date, s.state])).toEqual([
      ["2026-11-05", "succeeded"],
      ["2026-11-06", "failed"],
    ]);
    expect(summaries[1]).toMatchObject({
      error: { stage: "dataform", hop: "dataform-invoke", tags: ["BarrierNotMet"] },
    });
    expect(stderr).toContain("2026-11-06: failed in dataform");
  });

  it("says what is wrong when the workflow cannot start, and exits 2", async () => {
    const { code, stderr } = await cli(dataDir, ["workflows", "run", "pipeline", "--data", "{from:"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--data is not valid JSON");
  });
});
