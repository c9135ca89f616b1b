import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type PipelineJobsApi,
  VertexChurnPipelines,
  vertexApiEndpoint,
  vertexOptionsFromConfig,
} from "../../../../lib/adapters/gcp/vertex.ts";
import { LocalObjectStore } from "../../../../lib/adapters/local/objects.ts";
import { loadConfig } from "../../../../lib/config.ts";
import { PermanentError } from "../../../../lib/errors.ts";
import type { PipelineSubmission } from "../../../../lib/ports/ml.ts";
import { PIPELINE_PARAMETERS } from "../../../../vertex/pipeline-spec.ts";

type Job = Awaited<ReturnType<PipelineJobsApi["getPipelineJob"]>>[0];

/** Google's client as this adapter sees it: answers set by the test, requests recorded. */
class RecordingClient implements PipelineJobsApi {
  readonly created: unknown[] = [];
  createAnswer: () => Job = () => ({ name: "projects/p/locations/europe-west1/pipelineJobs/x" });
  job: Job = {};
  async createPipelineJob(request: Parameters<PipelineJobsApi["createPipelineJob"]>[0]): Promise<[Job]> {
    this.created.push(request);
    return [this.createAnswer()];
  }
  async getPipelineJob(): Promise<[Job]> {
    return [this.job];
  }
}

const grpcError = (code: number, message: string) => Object.assign(new Error(message), { code });

const submission: PipelineSubmission = {
  jobId: "churn-2026-11-26-0a1b2c3d",
  batchDate: "2026-11-26",
  featureTable: "acme-data.winter_days_warehouse.churn_features",
  outputUri:
    "gs://acme-data-winter-days-lake/mlops/predictions/batch_date=2026-11-26/churn-2026-11-26-0a1b2c3d/",
  labelWindowDays: 30,
};

describe("VertexChurnPipelines", () => {
  let dir: string;
  let objects: LocalObjectStore;
  let client: RecordingClient;
  let vertex: VertexChurnPipelines;
  const config = loadConfig({
    WINTER_DAYS_MODE: "gcp",
    GOOGLE_CLOUD_PROJECT: "acme-data",
    WINTER_DAYS_PII_HASH_KEY: "a-key-of-sixteen-chars",
  });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "winter-days-vertex-"));
    objects = new LocalObjectStore(dir);
    client = new RecordingClient();
    vertex = new VertexChurnPipelines({ ...vertexOptionsFromConfig(config, objects), client });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("talks to the regional endpoint, as the dedicated service account, with the checked-in template", () => {
    expect(vertexApiEndpoint("europe-west1")).toBe("europe-west1-aiplatform.googleapis.com");
    expect(vertexOptionsFromConfig(config, objects)).toMatchObject({
      project: "acme-data",
      region: "europe-west1",
      bigqueryLocation: "EU",
      serviceAccount: "winter-days-vertex@acme-data.iam.gserviceaccount.com",
      templateUri: "gs://acme-data-winter-days-lake/mlops/pipelines/churn_pipeline.json",
      pipelineRoot: "gs://acme-data-winter-days-lake/mlops/pipeline-root/",
    });
  });

  it("builds the createPipelineJob request: job id, template, service account and every pipeline parameter", async () => {
    await vertex.submit(submission);
    expect(client.created).toEqual([
      {
        parent: "projects/acme-data/locations/europe-west1",
        pipelineJobId: "churn-2026-11-26-0a1b2c3d",
        pipelineJob: {
          displayName: "winter-days churn 2026-11-26",
          templateUri: "gs://acme-data-winter-days-lake/mlops/pipelines/churn_pipeline.json",
          serviceAccount: "winter-days-vertex@acme-data.iam.gserviceaccount.com",
          labels: { app: "winter-days", stage: "churn", batch_date: "2026-11-26" },
          runtimeConfig: {
            gcsOutputDirectory: "gs://acme-data-winter-days-lake/mlops/pipeline-root/",
            parameterValues: {
              project: { stringValue: "acme-data" },
              location: { stringValue: "EU" },
              batch_date: { stringValue: "2026-11-26" },
              feature_table: { stringValue: "acme-data.winter_days_warehouse.churn_features" },
              output_uri: { stringValue: submission.outputUri },
              label_window_days: { numberValue: 30 },
            },
          },
        },
      },
    ]);
  });

  it("passes exactly the parameters the compiled pipeline declares", () => {
    const values = vertex.createRequest(submission).pipelineJob?.runtimeConfig?.parameterValues ?? {};
    expect(Object.keys(values).sort()).toEqual(Object.keys(PIPELINE_PARAMETERS).sort());
  });

  it("answers a repeated submission (ALREADY_EXISTS) with the job it started", async () => {
    client.createAnswer = () => {
      throw grpcError(6, "6 ALREADY_EXISTS: PipelineJob already exists");
    };
    expect(await vertex.submit(submission)).toEqual({
      name: "projects/acme-data/locations/europe-west1/pipelineJobs/churn-2026-11-26-0a1b2c3d",
    });
  });

  it("turns a refused request into a permanent failure and leaves outages retryable", async () => {
    client.createAnswer = () => {
      throw grpcError(3, "3 INVALID_ARGUMENT: template not found");
    };
    await expect(vertex.submit(submission)).rejects.toThrow(PermanentError);
    client.createAnswer = () => {
      throw grpcError(14, "14 UNAVAILABLE");
    };
    const outage = await vertex.submit(submission).catch((error: unknown) => error);
    expect(outage).toBeInstanceOf(Error);
    expect(outage).not.toBeInstanceOf(PermanentError);
  });

  it("maps the job's state, as a name or a number", async () => {
    client.job = { state: "PIPELINE_STATE_RUNNING" };
    expect(await vertex.get("n")).toEqual({ name: "n", state: "RUNNING" });
    client.job = { state: 1 };
    expect((await vertex.get("n")).state).toBe("QUEUED");
    client.job = {
      state: "PIPELINE_STATE_FAILED",
      error: { message: "the churn model for 2026-11-26 needs 61 days" },
    };
    expect(await vertex.get("n")).toEqual({
      name: "n",
      state: "FAILED",
      error: "the churn model for 2026-11-26 needs 61 days",
    });
    client.job = { state: 7 };
    expect(await vertex.get("n")).toEqual({
      name: "n",
      state: "CANCELLED",
      error: "pipeline job ended CANCELLED",
    });
  });

  it("reads the model version and prediction count of a job that succeeded from its metrics file", async () => {
    await objects.write(
      "acme-data-winter-days-lake",
      "mlops/predictions/batch_date=2026-11-26/churn-2026-11-26-0a1b2c3d/metrics-000000000000.json",
      // BigQuery's JSON export writes INT64 as strings.
      `${JSON.stringify({ batch_date: "2026-11-26", model_version: "bqml-churn-2026-11-26-0a1b2c3d", scored_customers: "1830" })}\n`,
    );
    client.job = {
      state: 4,
      runtimeConfig: { parameterValues: { output_uri: { stringValue: submission.outputUri } } },
    };
    expect(
      await vertex.get("projects/acme-data/locations/europe-west1/pipelineJobs/churn-2026-11-26-0a1b2c3d"),
    ).toEqual({
      name: "projects/acme-data/locations/europe-west1/pipelineJobs/churn-2026-11-26-0a1b2c3d",
      state: "SUCCEEDED",
      outputUri: submission.outputUri,
      modelVersion: "bqml-churn-2026-11-26-0a1b2c3d",
      predictions: 1830,
    });
  });
});
