import { makeEvent } from "../../lib/contracts/events.ts";
import { PermanentError, StillRunning } from "../../lib/errors.ts";
import type { Hop } from "../../lib/hop.ts";
import type { DocumentData } from "../../lib/ports/documents.ts";
import { TERMINAL_PIPELINE_STATES } from "../../lib/ports/ml.ts";

/** A segment of a Google Cloud resource name (project, location). */
const SEGMENT = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}";
/** The shape of a Vertex AI pipeline job's name (its id as Vertex AI allows them), in Google Cloud and offline. */
const PIPELINE_JOB = new RegExp(
  `^projects/${SEGMENT}/locations/${SEGMENT}/pipelineJobs/[a-z0-9][a-z0-9-]{0,127}$`,
);

/**
 * vertex-poll: reads the churn pipeline job once per delivery. While it runs, the delivery fails with
 * StillRunning so the subscription redelivers after its backoff; a job that never ends runs out of
 * delivery attempts and is dead-lettered. SUCCEEDED announces the predictions; FAILED or CANCELLED
 * is recorded and announced as vertex.failed (the message is acknowledged: retrying cannot help).
 */
export const vertexPollHop: Hop<"vertex.submitted"> = {
  name: "vertex-poll",
  consumes: "vertex.submitted",
  async handle(event, ctx) {
    const { pipelines, ledger, now } = ctx.deps;
    // Refused here, not by the API: Vertex AI answers a malformed name with an error that would be
    // retried for every one of this subscription's 100 delivery attempts.
    if (!PIPELINE_JOB.test(event.pipeline_job)) {
      throw new PermanentError(
        "invalid-identifier",
        `vertex.submitted pipeline_job ${JSON.stringify(event.pipeline_job)} is not a Vertex AI pipeline job name (projects/…/locations/…/pipelineJobs/<id>)`,
      );
    }
    const status = await pipelines.get(event.pipeline_job);
    if (!TERMINAL_PIPELINE_STATES.has(status.state)) {
      throw new StillRunning(`churn pipeline job ${event.pipeline_job} is ${status.state}`);
    }
    const base = {
      source: "churn" as const,
      batch_date: event.batch_date,
      batch_id: event.batch_id,
      pipeline_job: event.pipeline_job,
    };
    if (status.state === "SUCCEEDED") {
      if (!status.outputUri || !status.modelVersion) {
        throw new PermanentError(
          "job-failed",
          `churn pipeline job ${event.pipeline_job} succeeded but reports no output location or model version`,
        );
      }
      const predictions = status.predictions ?? 0;
      await ledger.recordStage(event.batch_date, "vertex", {
        batch_id: event.batch_id,
        state: "succeeded",
        finished_at: now().toISOString(),
        output_uri: status.outputUri,
        model_version: status.modelVersion,
        predictions,
      } as DocumentData);
      return {
        rowsOut: predictions,
        details: { model_version: status.modelVersion },
        publish: [
          makeEvent(
            "predictions.ready",
            {
              ...base,
              location: status.outputUri,
              record_count: predictions,
              producer: "vertex-poll",
              model_version: status.modelVersion,
            },
            now(),
          ),
        ],
      };
    }
    const error = status.error ?? `job ended ${status.state} without an error message`;
    await ledger.recordStage(event.batch_date, "vertex", {
      batch_id: event.batch_id,
      state: "failed",
      finished_at: now().toISOString(),
      error,
    } as DocumentData);
    ctx.log.error(`churn pipeline job ended ${status.state}`, {
      outcome: "failed",
      pipeline_job: event.pipeline_job,
      error,
    });
    return {
      details: { state: status.state, error },
      publish: [
        makeEvent(
          "vertex.failed",
          {
            ...base,
            location: event.pipeline_job,
            record_count: 0,
            producer: "vertex-poll",
            state: status.state,
            error: error.slice(0, 4000),
          },
          now(),
        ),
      ],
    };
  },
};
