import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { predictionsLoadHop } from "../../../functions/predictions-load/handle.ts";
import type { LocalChurnPipelines } from "../../../lib/adapters/local/pipelines.ts";
import { deliver, type HopDeps } from "../../../lib/hop.ts";
import { predictionsRunPrefix } from "../../../lib/ml/prediction-files.ts";
import { gsUri } from "../../../lib/ports/objects.ts";
import { cloudEventOf } from "../../support/events.ts";
import { openTestPlatform, type TestPlatform } from "../../support/local-platform.ts";
import { BATCH_DATE, CUSTOMERS, churnDeps, LABEL_WINDOW_DAYS, predictionsReady } from "./churn-fixtures.ts";

describe("predictions-load", () => {
  let platform: TestPlatform;
  let deps: HopDeps;
  let pipelines: LocalChurnPipelines;

  /** Runs the churn job of a date to completion and returns the predictions.ready its poll would send. */
  const finishedJob = async (batchDate: string, jobId: string) => {
    const location = gsUri(platform.deps.config.lakeBucket, predictionsRunPrefix(batchDate, jobId));
    const { name } = await pipelines.submit({
      jobId,
      batchDate,
      featureTable: "winter-days-local.winter_days_warehouse.churn_features",
      outputUri: location,
      labelWindowDays: LABEL_WINDOW_DAYS,
    });
    const status = await pipelines.settled(name);
    expect(status.state).toBe("SUCCEEDED");
    const event = predictionsReady({
      batchId: jobId,
      pipelineJob: name,
      location,
      count: status.predictions ?? 0,
      modelVersion: status.modelVersion ?? "",
    });
    return { ...event, batch_date: batchDate };
  };
  const query = async (sql: string) => (await platform.deps.warehouse()).query(sql);
  const loaded = async (subscription = "predictions-loaded-audit") =>
    (await platform.broker.pull(subscription, 10)).map(
      (m) => JSON.parse(m.data.toString()) as Record<string, unknown>,
    );

  beforeEach(async () => {
    platform = await openTestPlatform();
    ({ deps, pipelines } = await churnDeps(platform));
  });
  afterEach(async () => {
    await pipelines.close();
    await platform.dispose();
  });

  it("loads one row per scored customer and the model's metrics, and says how many", async () => {
    const ready = await finishedJob(BATCH_DATE, "churn-2026-02-09-0a1b2c3d");
    const delivery = await deliver(predictionsLoadHop, cloudEventOf(ready), deps);
    expect(delivery).toMatchObject({ outcome: "succeeded", rowsOut: CUSTOMERS });
    const rows = await query(
      `SELECT customer_key, CAST(batch_date AS VARCHAR) AS batch_date, churn_probability, risk_band, model_version
       FROM winter_days_warehouse.fact_predictions_churn ORDER BY customer_key`,
    );
    expect(rows).toHaveLength(CUSTOMERS);
    expect(rows[0]).toMatchObject({
      customer_key: "C-0000001",
      batch_date: BATCH_DATE,
      model_version: ready.model_version,
    });
    const [metrics] = await query(
      "SELECT CAST(batch_date AS VARCHAR) AS batch_date, model_version, scored_customers, roc_auc FROM winter_days_warehouse.model_metrics",
    );
    expect(metrics).toMatchObject({
      batch_date: BATCH_DATE,
      model_version: ready.model_version,
      scored_customers: CUSTOMERS,
    });
    const [event] = await loaded();
    expect(event).toMatchObject({
      event_type: "predictions.loaded",
      batch_id: ready.batch_id,
      record_count: CUSTOMERS,
      model_version: ready.model_version,
      location: "winter-days-local.winter_days_warehouse.fact_predictions_churn",
    });
    expect((await platform.deps.ledger.get(BATCH_DATE))?.stages?.predictions).toMatchObject({
      state: "loaded",
      rows: CUSTOMERS,
      model_version: ready.model_version,
      metrics: { scored_customers: CUSTOMERS, label_window_days: LABEL_WINDOW_DAYS },
    });
  });

  it("leaves no duplicates when the same predictions are delivered again, and keeps other dates", async () => {
    const earlier = await finishedJob("2026-02-08", "churn-2026-02-08-0a1b2c3d");
    await deliver(predictionsLoadHop, cloudEventOf(earlier), deps);
    const ready = await finishedJob(BATCH_DATE, "churn-2026-02-09-0a1b2c3d");
    for (let attempt = 1; attempt <= 3; attempt++) {
      expect(await deliver(predictionsLoadHop, cloudEventOf(ready, { attempt }), deps)).toMatchObject({
        outcome: "succeeded",
      });
    }
    const counts = await query(
      `SELECT CAST(batch_date AS VARCHAR) AS batch_date, COUNT(*) AS n, COUNT(DISTINCT customer_key) AS customers
       FROM winter_days_warehouse.fact_predictions_churn GROUP BY batch_date ORDER BY batch_date`,
    );
    expect(counts).toEqual([
      { batch_date: "2026-02-08", n: CUSTOMERS, customers: CUSTOMERS },
      { batch_date: BATCH_DATE, n: CUSTOMERS, customers: CUSTOMERS },
    ]);
    expect(await query("SELECT COUNT(*) AS n FROM winter_days_warehouse.model_metrics")).toEqual([{ n: 2 }]);
    expect((await loaded()).map((e) => e.record_count)).toEqual([CUSTOMERS, CUSTOMERS, CUSTOMERS, CUSTOMERS]);
  });

  it("drops predictions of a churn run that is no longer the date's current one", async () => {
    const ready = await finishedJob(BATCH_DATE, "churn-2026-02-09-0a1b2c3d");
    await platform.deps.ledger.recordStage(BATCH_DATE, "vertex", { batch_id: "churn-2026-02-09-99999999" });
    expect(await deliver(predictionsLoadHop, cloudEventOf(ready), deps)).toMatchObject({
      outcome: "succeeded",
      published: [],
    });
    expect(
      await (await platform.deps.warehouse()).tableExists({
        dataset: "winter_days_warehouse",
        table: "fact_predictions_churn",
      }),
    ).toBe(false);
  });

  it("dead-letters predictions whose files do not hold the announced count", async () => {
    const ready = await finishedJob(BATCH_DATE, "churn-2026-02-09-0a1b2c3d");
    const delivery = await deliver(
      predictionsLoadHop,
      cloudEventOf({ ...ready, record_count: CUSTOMERS + 1 }),
      deps,
    );
    expect(delivery).toMatchObject({ outcome: "dead-lettered", reason: "count-mismatch" });
    expect(platform.broker.peek("predictions-load-dead-letter-keep", 10)).toHaveLength(1);
  });

  it("dead-letters a location without prediction files", async () => {
    const ready = await finishedJob(BATCH_DATE, "churn-2026-02-09-0a1b2c3d");
    const elsewhere = gsUri(
      platform.deps.config.lakeBucket,
      predictionsRunPrefix(BATCH_DATE, "churn-2026-02-09-00000000"),
    );
    const delivery = await deliver(predictionsLoadHop, cloudEventOf({ ...ready, location: elsewhere }), deps);
    expect(delivery).toMatchObject({ outcome: "dead-lettered", reason: "missing-object" });
  });
});
