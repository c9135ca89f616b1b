import { stageBatchId } from "../../lib/batch-key.ts";
import { makeEvent } from "../../lib/contracts/events.ts";
import type { Hop } from "../../lib/hop.ts";
import { predictionsRunPrefix } from "../../lib/ml/prediction-files.ts";
import type { DocumentData } from "../../lib/ports/documents.ts";
import { gsUri } from "../../lib/ports/objects.ts";

/** The run ledger's `stages.vertex` entry of a batch date. */
export interface VertexStage {
  /** The churn run's batch id, which is also the pipeline job id. */
  batch_id: string;
  /** The warehouse run (Dataform) whose gold tables the job reads. */
  warehouse_batch_id: string;
  pipeline_job: string;
  state: "submitted" | "succeeded" | "failed";
  label_window_days: number;
  output_uri: string;
  submitted_at: string;
  finished_at?: string;
  model_version?: string;
  predictions?: number;
  error?: string;
}

export interface VertexSubmitOptions {
  /** Overrides config.churnLabelWindowDays. */
  labelWindowDays?: number;
}

/**
 * vertex-submit: once Dataform has refreshed gold for a date, submits the churn pipeline job that
 * trains on churn_features and scores the date. The job id is derived from the warehouse run and the
 * label window, so a repeated or late dataform.completed finds the job it already started.
 */
export function makeVertexSubmitHop(options: VertexSubmitOptions = {}): Hop<"dataform.completed"> {
  return {
    name: "vertex-submit",
    consumes: "dataform.completed",
    async handle(event, ctx) {
      const { pipelines, config, ledger, now } = ctx.deps;
      const labelWindowDays = options.labelWindowDays ?? config.churnLabelWindowDays;
      const jobId = stageBatchId("churn", event.batch_date, {
        warehouse: event.batch_id,
        label_window_days: String(labelWindowDays),
      });
      const outputUri = gsUri(config.lakeBucket, predictionsRunPrefix(event.batch_date, jobId));
      const { name } = await pipelines.submit({
        jobId,
        batchDate: event.batch_date,
        featureTable: `${config.project}.${config.warehouseDataset}.churn_features`,
        outputUri,
        labelWindowDays,
      });
      const stage: VertexStage = {
        batch_id: jobId,
        warehouse_batch_id: event.batch_id,
        pipeline_job: name,
        state: "submitted",
        label_window_days: labelWindowDays,
        output_uri: outputUri,
        submitted_at: now().toISOString(),
      };
      await ledger.recordStage(event.batch_date, "vertex", stage as unknown as DocumentData);
      return {
        details: { pipeline_job: name },
        publish: [
          makeEvent(
            "vertex.submitted",
            {
              source: "churn",
              batch_date: event.batch_date,
              batch_id: jobId,
              location: name,
              record_count: 0,
              producer: "vertex-submit",
              pipeline_job: name,
            },
            now(),
          ),
        ],
      };
    },
  };
}

export const vertexSubmitHop: Hop<"dataform.completed"> = makeVertexSubmitHop();
