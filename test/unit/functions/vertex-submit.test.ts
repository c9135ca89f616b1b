import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeVertexSubmitHop } from "../../../functions/vertex-submit/handle.ts";
import type { LocalChurnPipelines } from "../../../lib/adapters/local/pipelines.ts";
import { deliver, type HopDeps } from "../../../lib/hop.ts";
import { cloudEventOf } from "../../support/events.ts";
import { openTestPlatform, type TestPlatform } from "../../support/local-platform.ts";
import { BATCH_DATE, churnDeps, dataformCompleted, LABEL_WINDOW_DAYS } from "./churn-fixtures.ts";

describe("vertex-submit", () => {
  let platform: TestPlatform;
  let deps: HopDeps;
  let pipelines: LocalChurnPipelines;
  const hop = makeVertexSubmitHop({ labelWindowDays: LABEL_WINDOW_DAYS });
  const submitted = async () =>
    (await platform.broker.pull("vertex-poll", 10)).map(
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

  it("submits the churn job for the date, records it in the ledger and announces it", async () => {
    await deliver(hop, cloudEventOf(dataformCompleted()), deps);
    const [event] = await submitted();
    expect(event).toMatchObject({
      event_type: "vertex.submitted",
      source: "churn",
      batch_date: BATCH_DATE,
      batch_id: expect.stringMatching(/^churn-2026-02-09-[0-9a-f]{8}$/),
      producer: "vertex-submit",
    });
    const job = String(event?.pipeline_job);
    expect(job).toBe(`projects/local/locations/local/pipelineJobs/${event?.batch_id}`);
    const run = await platform.deps.ledger.get(BATCH_DATE);
    expect(run?.stages?.vertex).toMatchObject({
      batch_id: event?.batch_id,
      warehouse_batch_id: "warehouse-2026-02-09-5e5e5e5e",
      pipeline_job: job,
      state: "submitted",
      label_window_days: LABEL_WINDOW_DAYS,
      output_uri: `gs://${platform.deps.config.lakeBucket}/mlops/predictions/batch_date=${BATCH_DATE}/${event?.batch_id}/`,
    });
    expect(await pipelines.settled(job)).toMatchObject({ state: "SUCCEEDED", predictions: 60 });
  });

  it("starts no second job when dataform.completed is delivered again", async () => {
    await deliver(hop, cloudEventOf(dataformCompleted()), deps);
    await deliver(hop, cloudEventOf(dataformCompleted()), deps);
    const events = await submitted();
    expect(events).toHaveLength(2);
    expect(events[1]?.pipeline_job).toBe(events[0]?.pipeline_job);
    expect(events[1]?.batch_id).toBe(events[0]?.batch_id);
    const status = await pipelines.settled(String(events[0]?.pipeline_job));
    expect(status.state).toBe("SUCCEEDED");
  });

  it("names a new job for a new warehouse run of the same date", async () => {
    await deliver(hop, cloudEventOf(dataformCompleted()), deps);
    await deliver(hop, cloudEventOf(dataformCompleted({ batch_id: "warehouse-2026-02-09-77777777" })), deps);
    const [first, second] = await submitted();
    expect(second?.batch_id).not.toBe(first?.batch_id);
    expect((await platform.deps.ledger.get(BATCH_DATE))?.stages?.vertex).toMatchObject({
      batch_id: second?.batch_id,
    });
    await pipelines.settled(String(first?.pipeline_job));
    await pipelines.settled(String(second?.pipeline_job));
  });
});
