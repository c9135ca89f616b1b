import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LocalObjectStore, localPathOf } from "../../../../lib/adapters/local/objects.ts";
import { LocalChurnPipelines } from "../../../../lib/adapters/local/pipelines.ts";
import { DuckDbWarehouse } from "../../../../lib/adapters/local/warehouse.ts";
import { truthObjectName } from "../../../../lib/bronze.ts";
import { PermanentError } from "../../../../lib/errors.ts";
import { addDays } from "../../../../lib/ml/features.ts";
import type { MetricsRow, PredictionRow } from "../../../../lib/ml/prediction-files.ts";
import type { PipelineSubmission } from "../../../../lib/ports/ml.ts";
import { parseGsUri } from "../../../../lib/ports/objects.ts";
import { loadFeatureRows, syntheticFeatureRows } from "../../ml/synthetic-features.ts";

const LAKE = "winter-days-local-winter-days-lake";
const FIRST = "2026-01-01";
const BATCH_DATE = "2026-02-09";
const TRAINER = { trainingStrideDays: 3, maxTrainingCutoffs: 4 };

const submission = (overrides: Partial<PipelineSubmission> = {}): PipelineSubmission => ({
  jobId: "churn-2026-02-09-0a1b2c3d",
  batchDate: BATCH_DATE,
  featureTable: "winter-days-local.winter_days_warehouse.churn_features",
  outputUri: `gs://${LAKE}/mlops/predictions/batch_date=${BATCH_DATE}/`,
  labelWindowDays: 7,
  ...overrides,
});

describe("LocalChurnPipelines", () => {
  let dir: string;
  let objectsRoot: string;
  let stateDir: string;
  let objects: LocalObjectStore;
  let warehouse: DuckDbWarehouse;
  const opened: LocalChurnPipelines[] = [];

  const pipelines = () => {
    const instance = new LocalChurnPipelines({
      warehouse: async () => warehouse,
      objects,
      stateDir,
      lakeBucket: LAKE,
      now: () => new Date("2026-02-10T03:00:00Z"),
      trainer: TRAINER,
    });
    opened.push(instance);
    return instance;
  };
  const readLines = async <T>(uri: string): Promise<T[]> => {
    const { bucket, name } = parseGsUri(uri);
    return (await objects.read(bucket, name))
      .toString("utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as T);
  };
  const record = async (jobId: string) =>
    JSON.parse(await readFile(path.join(stateDir, `${jobId}.json`), "utf8"));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "winter-days-pipelines-"));
    objectsRoot = path.join(dir, "objects");
    objects = new LocalObjectStore(objectsRoot);
    warehouse = await DuckDbWarehouse.open({
      path: ":memory:",
      resolveObjectPath: (uri) => {
        const { bucket, name } = parseGsUri(uri);
        return localPathOf(objectsRoot, bucket, name);
      },
    });
    await loadFeatureRows(
      warehouse,
      syntheticFeatureRows({ customers: 60, firstDate: FIRST, days: 40 }),
      dir,
    );
  });
  beforeEach(async () => {
    stateDir = await mkdtemp(path.join(dir, "state-"));
  });
  afterEach(async () => {
    for (const instance of opened.splice(0)) await instance.close();
  });
  afterAll(async () => {
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs a job to SUCCEEDED and writes one prediction per customer and the metrics, as the cloud job does", async () => {
    const local = pipelines();
    const { name } = await local.submit(submission());
    expect(name).toBe("projects/local/locations/local/pipelineJobs/churn-2026-02-09-0a1b2c3d");
    const status = await local.settled(name);
    expect(status).toMatchObject({ state: "SUCCEEDED", outputUri: submission().outputUri, predictions: 60 });
    expect(status.modelVersion).toMatch(/^churn-lr-2026-02-09-[0-9a-f]{8}$/);

    const predictions = await readLines<PredictionRow>(
      `${submission().outputUri}predictions-000000000000.jsonl`,
    );
    expect(predictions).toHaveLength(60);
    expect(new Set(predictions.map((p) => p.customer_key)).size).toBe(60);
    for (const p of predictions) {
      expect(Object.keys(p).sort()).toEqual([
        "batch_date",
        "churn_probability",
        "customer_key",
        "model_version",
        "risk_band",
        "scored_at",
      ]);
      expect(p).toMatchObject({
        batch_date: BATCH_DATE,
        model_version: status.modelVersion,
        scored_at: "2026-02-10T03:00:00.000Z",
      });
      expect(p.churn_probability).toBeGreaterThanOrEqual(0);
      expect(p.churn_probability).toBeLessThanOrEqual(1);
      expect(p.risk_band).toBe(
        p.churn_probability >= 0.5 ? "high" : p.churn_probability >= 0.2 ? "medium" : "low",
      );
    }
    const [metrics] = await readLines<MetricsRow>(`${submission().outputUri}metrics-000000000000.json`);
    expect(metrics).toMatchObject({
      batch_date: BATCH_DATE,
      model_version: status.modelVersion,
      algorithm: "logistic_regression_l2",
      label_window_days: 7,
      holdout_cutoff: "2026-02-02",
      training_cutoffs: "2026-01-26,2026-01-23,2026-01-20,2026-01-17",
      holdout_rows: 60,
      scored_customers: 60,
      oracle_auc: null,
    });
    expect(metrics?.roc_auc).toBeGreaterThan(0.5);
    expect(JSON.parse(metrics?.calibration ?? "[]")).toHaveLength(10);
  });

  it("starts one job for one id, however often it is submitted", async () => {
    const local = pipelines();
    const first = await local.submit(submission());
    const again = await local.submit(submission());
    expect(again.name).toBe(first.name);
    await local.settled(first.name);
    await local.submit(submission());
    expect(await local.get(first.name)).toMatchObject({ state: "SUCCEEDED" });
    expect((await record("churn-2026-02-09-0a1b2c3d")).runs).toBe(1);
  });

  it("fails a job whose history is too short, saying how many days it needs", async () => {
    const local = pipelines();
    const { name } = await local.submit(
      submission({ jobId: "churn-2026-02-09-00000030", labelWindowDays: 30 }),
    );
    const status = await local.settled(name);
    expect(status.state).toBe("FAILED");
    expect(status.error).toMatch(/needs 61 days of churn_features cut-offs/);
    expect(status.error).toMatch(/has 40 cut-off\(s\) from 2026-01-01 to 2026-02-09/);
  });

  it("fails a job on a feature table that does not exist", async () => {
    const local = pipelines();
    const { name } = await local.submit(
      submission({ jobId: "churn-2026-02-09-0000000e", featureTable: "p.winter_days_warehouse.nope" }),
    );
    expect(await local.settled(name)).toMatchObject({
      state: "FAILED",
      error: expect.stringMatching(/nope does not exist/),
    });
  });

  it("refuses a job id Vertex AI would refuse, and a job that does not exist", async () => {
    const local = pipelines();
    await expect(local.submit(submission({ jobId: "Churn_2026" }))).rejects.toThrow(PermanentError);
    await expect(local.get("projects/local/locations/local/pipelineJobs/never-submitted")).rejects.toThrow(
      /does not exist/,
    );
  });

  it("survives a restart: a job left RUNNING by a dead runner is run again, a finished one is only read", async () => {
    const crashed = {
      name: "projects/local/locations/local/pipelineJobs/churn-2026-02-09-0a1b2c3d",
      job_id: "churn-2026-02-09-0a1b2c3d",
      submission: submission(),
      state: "RUNNING",
      create_time: "2026-02-10T02:00:00.000Z",
      update_time: "2026-02-10T02:00:01.000Z",
      start_time: "2026-02-10T02:00:01.000Z",
      runs: 1,
      runner: { pid: process.pid, instance: "a-runner-that-died" },
    };
    await writeFile(path.join(stateDir, `${crashed.job_id}.json`), JSON.stringify(crashed));
    const restarted = pipelines();
    expect((await restarted.get(crashed.name)).state).toBe("RUNNING");
    expect(await restarted.settled(crashed.name)).toMatchObject({ state: "SUCCEEDED", predictions: 60 });
    expect((await record(crashed.job_id)).runs).toBe(2);

    const later = pipelines();
    expect(await later.get(crashed.name)).toMatchObject({ state: "SUCCEEDED" });
    expect((await record(crashed.job_id)).runs).toBe(2);
  });

  it("compares the model with the oracle when the lake holds the generators' truth", async () => {
    const truth = Array.from({ length: 60 }, (_, i) => ({
      customer_id: `C-${String(i + 1).padStart(7, "0")}`,
      churn_propensity: i % 3 === 0 ? 0.6 : 0.05,
      churn_date: i % 3 === 0 ? addDays(FIRST, 5 + ((i * 7) % 35)) : null,
      churned_within_horizon: false,
    }));
    await objects.write(LAKE, truthObjectName(BATCH_DATE), truth.map((t) => JSON.stringify(t)).join("\n"));
    try {
      const local = pipelines();
      const { name } = await local.submit(submission({ jobId: "churn-2026-02-09-0000aaaa" }));
      await local.settled(name);
      const [metrics] = await readLines<MetricsRow>(`${submission().outputUri}metrics-000000000000.json`);
      // The synthetic churners stop buying on their churn date, so the oracle ranks them perfectly.
      expect(metrics?.oracle_auc).toBe(1);
      expect(metrics?.oracle_ratio).toBeCloseTo(metrics?.roc_auc ?? 0, 6);
    } finally {
      await objects.delete(LAKE, truthObjectName(BATCH_DATE));
    }
  });
});
