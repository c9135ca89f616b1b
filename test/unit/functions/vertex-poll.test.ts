import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { vertexPollHop } from "../../../functions/vertex-poll/handle.ts";
import type { LocalChurnPipelines } from "../../../lib/adapters/local/pipelines.ts";
import { StillRunning } from "../../../lib/errors.ts";
import { deliver, type HopDeps } from "../../../lib/hop.ts";
import { cloudEventOf } from "../../support/events.ts";
import { openTestPlatform, type TestPlatform } from "../../support/local-platform.ts";
import { BATCH_DATE, churnDeps, LABEL_WINDOW_DAYS, vertexSubmitted } from "./churn-fixtures.ts";

const JOB_ID = "churn-2026-02-09-0a1b2c3d";

describe("vertex-poll", () => {
  let platform: TestPlatform;
  let deps: HopDeps;
  let pipelines: LocalChurnPipelines;
  const outputUri = () =>
    `gs://${platform.deps.config.lakeBucket}/mlops/predictions/batch_date=${BATCH_DATE}/${JOB_ID}/`;
  const submit = (labelWindowDays = LABEL_WINDOW_DAYS) =>
    pipelines.submit({
      jobId: JOB_ID,
      batchDate: BATCH_DATE,
      featureTable: "winter-days-local.winter_days_warehouse.churn_features",
      outputUri: outputUri(),
      labelWindowDays,
    });
  const published = async (subscription: string) =>
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

  it("asks for a redelivery while the job runs", async () => {
    // A job owned by another live process (the parent of this one) stays RUNNING for this poll.
    await mkdir(path.join(platform.dir, "churn-jobs"), { recursive: true });
    const name = `projects/local/locations/local/pipelineJobs/${JOB_ID}`;
    await writeFile(
      path.join(platform.dir, "churn-jobs", `${JOB_ID}.json`),
      JSON.stringify({
        name,
        job_id: JOB_ID,
        state: "RUNNING",
        runs: 1,
        runner: { pid: process.ppid, instance: "elsewhere" },
      }),
    );
    await expect(deliver(vertexPollHop, cloudEventOf(vertexSubmitted(name, JOB_ID)), deps)).rejects.toThrow(
      StillRunning,
    );
    expect((await platform.deps.ledger.get(BATCH_DATE))?.hops["vertex-poll"]?.churn).toMatchObject({
      state: "retrying",
    });
    expect(await published("predictions-load")).toEqual([]);
  });

  it("announces the predictions of a job that succeeded", async () => {
    const { name } = await submit();
    const status = await pipelines.settled(name);
    await deliver(vertexPollHop, cloudEventOf(vertexSubmitted(name, JOB_ID)), deps);
    const [ready] = await published("predictions-load");
    expect(ready).toMatchObject({
      event_type: "predictions.ready",
      batch_date: BATCH_DATE,
      batch_id: JOB_ID,
      location: outputUri(),
      record_count: 60,
      model_version: status.modelVersion,
      pipeline_job: name,
      producer: "vertex-poll",
    });
    expect((await platform.deps.ledger.get(BATCH_DATE))?.stages?.vertex).toMatchObject({
      state: "succeeded",
      model_version: status.modelVersion,
      predictions: 60,
    });
  });

  it("records and announces a job that failed, and acknowledges it", async () => {
    const { name } = await submit(30);
    await pipelines.settled(name);
    const delivery = await deliver(vertexPollHop, cloudEventOf(vertexSubmitted(name, JOB_ID)), deps);
    expect(delivery.outcome).toBe("succeeded");
    const failed = await published("vertex-failed-audit");
    expect(failed[0]).toMatchObject({
      event_type: "vertex.failed",
      state: "FAILED",
      error: expect.stringMatching(/needs 61 days/),
    });
    expect((await platform.deps.ledger.get(BATCH_DATE))?.stages?.vertex).toMatchObject({
      state: "failed",
      error: expect.stringMatching(/needs 61 days/),
    });
    expect(await published("predictions-load")).toEqual([]);
  });
});
