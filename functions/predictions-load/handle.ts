import { makeEvent, type PredictionsReady } from "../../lib/contracts/events.ts";
import { countLines } from "../../lib/count-lines.ts";
import { PermanentError } from "../../lib/errors.ts";
import type { Hop, HopContext } from "../../lib/hop.ts";
import {
  isMetricsFile,
  isPredictionsFile,
  type MetricsRow,
  predictionsPrefix,
} from "../../lib/ml/prediction-files.ts";
import { ensurePredictionTables, METRICS_TABLE, PREDICTIONS_TABLE } from "../../lib/ml/tables.ts";
import type { DocumentData } from "../../lib/ports/documents.ts";
import { gsUri, type ObjectInfo, parseGsUri } from "../../lib/ports/objects.ts";
import type { VertexStage } from "../vertex-submit/handle.ts";

/** The prediction shards and the metrics file at the event's location. */
async function predictionFiles(
  event: PredictionsReady,
  ctx: HopContext,
): Promise<{ predictions: ObjectInfo[]; metrics: ObjectInfo }> {
  const location = event.location.endsWith("/") ? event.location : `${event.location}/`;
  let bucket: string;
  let prefix: string;
  try {
    ({ bucket, name: prefix } = parseGsUri(location));
  } catch {
    throw new PermanentError(
      "invalid-identifier",
      `predictions.ready location ${JSON.stringify(event.location)} is not a gs:// prefix`,
    );
  }
  // Churn jobs write a date's predictions under one folder of the lake: nothing else is read.
  const home = predictionsPrefix(event.batch_date);
  if (bucket !== ctx.deps.config.lakeBucket || !prefix.startsWith(home)) {
    throw new PermanentError(
      "invalid-identifier",
      `predictions.ready location ${JSON.stringify(event.location)} is not under ${gsUri(ctx.deps.config.lakeBucket, home)}, where the churn jobs of ${event.batch_date} write`,
    );
  }
  let listed: ObjectInfo[];
  try {
    listed = await ctx.deps.objects.list(bucket, prefix);
  } catch (error) {
    // The object store refuses names that are no safe path ("..", "//", a backslash, NUL).
    if (error instanceof PermanentError && error.reason === "invalid-identifier") {
      throw new PermanentError(
        "invalid-identifier",
        `predictions.ready location ${JSON.stringify(event.location)}: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
  const objects = listed.filter((o) => !o.name.slice(prefix.length).includes("/"));
  const predictions = objects.filter((o) => isPredictionsFile(o.name));
  const metrics = objects.filter((o) => isMetricsFile(o.name));
  if (predictions.length === 0 || metrics.length !== 1 || !metrics[0]) {
    throw new PermanentError(
      "missing-object",
      `${location} holds ${predictions.length} predictions file(s) and ${metrics.length} metrics file(s); expected at least one and exactly one`,
    );
  }
  return { predictions, metrics: metrics[0] };
}

/**
 * predictions-load: loads a batch date's churn predictions into fact_predictions_churn and the model's
 * metrics into model_metrics, each by replacing the batch date's partition, so a repeated delivery
 * leaves one row per customer and one metrics row per date. Predictions of a job that is no longer
 * the date's current one (a later warehouse run submitted another) are dropped.
 */
export const predictionsLoadHop: Hop<"predictions.ready"> = {
  name: "predictions-load",
  consumes: "predictions.ready",
  async handle(event, ctx) {
    const { ledger, config, now } = ctx.deps;
    const current = (await ledger.get(event.batch_date))?.stages?.vertex as Partial<VertexStage> | undefined;
    if (current?.batch_id !== undefined && current.batch_id !== event.batch_id) {
      return {
        publish: [],
        dropped: `predictions of churn run ${event.batch_id}, while the date's current run is ${current.batch_id}`,
      };
    }
    const files = await predictionFiles(event, ctx);
    let lines = 0;
    for (const file of files.predictions) lines += await countLines(ctx.deps.objects, file);
    if (lines !== event.record_count) {
      throw new PermanentError(
        "count-mismatch",
        `predictions.ready of ${event.batch_id} announced ${event.record_count} predictions but ${event.location} holds ${lines}`,
      );
    }
    const metrics = JSON.parse(
      (await ctx.deps.objects.read(files.metrics.bucket, files.metrics.name)).toString("utf8"),
    ) as MetricsRow;
    const warehouse = await ctx.deps.warehouse();
    await ensurePredictionTables(warehouse);
    const rows = await warehouse.replacePartitionFromFiles(
      PREDICTIONS_TABLE,
      "batch_date",
      event.batch_date,
      files.predictions.map((o) => gsUri(o.bucket, o.name)),
      "NEWLINE_DELIMITED_JSON",
    );
    await warehouse.replacePartitionFromFiles(
      METRICS_TABLE,
      "batch_date",
      event.batch_date,
      [gsUri(files.metrics.bucket, files.metrics.name)],
      "NEWLINE_DELIMITED_JSON",
    );
    const { calibration: _bins, ...summary } = metrics;
    await ledger.recordStage(event.batch_date, "predictions", {
      batch_id: event.batch_id,
      state: "loaded",
      loaded_at: now().toISOString(),
      rows,
      model_version: event.model_version,
      metrics: summary,
    } as unknown as DocumentData);
    return {
      rowsIn: event.record_count,
      rowsOut: rows,
      details: {
        model_version: event.model_version,
        roc_auc: metrics.roc_auc,
        pr_auc: metrics.pr_auc,
        oracle_auc: metrics.oracle_auc,
        oracle_ratio: metrics.oracle_ratio,
      },
      publish: [
        makeEvent(
          "predictions.loaded",
          {
            source: "churn",
            batch_date: event.batch_date,
            batch_id: event.batch_id,
            location: `${config.project}.${PREDICTIONS_TABLE.dataset}.${PREDICTIONS_TABLE.table}`,
            record_count: rows,
            producer: "predictions-load",
            model_version: event.model_version,
          },
          now(),
        ),
      ],
    };
  },
};
