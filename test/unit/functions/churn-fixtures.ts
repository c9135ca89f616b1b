import path from "node:path";
import { LocalChurnPipelines } from "../../../lib/adapters/local/pipelines.ts";
import {
  type DataformCompleted,
  makeEvent,
  type PredictionsReady,
  type VertexSubmitted,
} from "../../../lib/contracts/events.ts";
import type { HopDeps } from "../../../lib/hop.ts";
import type { TestPlatform } from "../../support/local-platform.ts";
import { loadFeatureRows, syntheticFeatureRows } from "../ml/synthetic-features.ts";

/** The churn hops' tests: 40 days of synthetic churn_features ending on this date, a 7-day window. */
export const BATCH_DATE = "2026-02-09";
export const LABEL_WINDOW_DAYS = 7;
export const CUSTOMERS = 60;

/**
 * The test platform's dependencies with its own LocalChurnPipelines (returned, so tests can wait
 * for jobs), and churn_features loaded into its warehouse.
 */
export async function churnDeps(
  platform: TestPlatform,
): Promise<{ deps: HopDeps; pipelines: LocalChurnPipelines }> {
  const warehouse = await platform.deps.warehouse();
  await loadFeatureRows(
    warehouse,
    syntheticFeatureRows({ customers: CUSTOMERS, firstDate: "2026-01-01", days: 40 }),
    platform.dir,
  );
  const pipelines = new LocalChurnPipelines({
    warehouse: platform.deps.warehouse,
    objects: platform.deps.objects,
    stateDir: path.join(platform.dir, "churn-jobs"),
    lakeBucket: platform.deps.config.lakeBucket,
    now: platform.deps.now,
    trainer: { trainingStrideDays: 3, maxTrainingCutoffs: 4 },
  });
  return { deps: { ...platform.deps, pipelines }, pipelines };
}

export function dataformCompleted(overrides: Partial<DataformCompleted> = {}): DataformCompleted {
  return {
    ...makeEvent("dataform.completed", {
      source: "warehouse",
      batch_date: BATCH_DATE,
      batch_id: "warehouse-2026-02-09-5e5e5e5e",
      location: "projects/p/locations/europe-west1/repositories/r/workflowInvocations/1",
      record_count: 1200,
      producer: "dataform-poll",
      workflow_invocation: "projects/p/locations/europe-west1/repositories/r/workflowInvocations/1",
    }),
    ...overrides,
  };
}

export function vertexSubmitted(pipelineJob: string, batchId: string): VertexSubmitted {
  return makeEvent("vertex.submitted", {
    source: "churn",
    batch_date: BATCH_DATE,
    batch_id: batchId,
    location: pipelineJob,
    record_count: 0,
    producer: "vertex-submit",
    pipeline_job: pipelineJob,
  });
}

export function predictionsReady(fields: {
  batchId: string;
  pipelineJob: string;
  location: string;
  count: number;
  modelVersion: string;
}): PredictionsReady {
  return makeEvent("predictions.ready", {
    source: "churn",
    batch_date: BATCH_DATE,
    batch_id: fields.batchId,
    location: fields.location,
    record_count: fields.count,
    producer: "vertex-poll",
    pipeline_job: fields.pipelineJob,
    model_version: fields.modelVersion,
  });
}
