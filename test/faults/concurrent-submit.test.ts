/**
 * Duplicate deliveries of dataform.completed handled at the same time submit the same churn job
 * concurrently, in one process. Found by the duplicates fault: each submission must answer with the
 * one job, and none may fail on another's temporary file.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LocalObjectStore, localPathOf } from "../../lib/adapters/local/objects.ts";
import { LocalChurnPipelines } from "../../lib/adapters/local/pipelines.ts";
import { DuckDbWarehouse } from "../../lib/adapters/local/warehouse.ts";
import { parseGsUri } from "../../lib/ports/objects.ts";

const LAKE = "winter-days-local-winter-days-lake";
const JOB = "churn-2026-11-23-0a1b2c3d";

describe("concurrent submissions of one churn job in one process", () => {
  let dir: string;
  let warehouse: DuckDbWarehouse;
  let pipelines: LocalChurnPipelines;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "winter-days-submit-"));
    const root = path.join(dir, "objects");
    warehouse = await DuckDbWarehouse.open({
      path: ":memory:",
      resolveObjectPath: (uri) => {
        const { bucket, name } = parseGsUri(uri);
        return localPathOf(root, bucket, name);
      },
    });
    pipelines = new LocalChurnPipelines({
      warehouse: async () => warehouse,
      objects: new LocalObjectStore(root),
      stateDir: path.join(dir, "pipelines"),
      lakeBucket: LAKE,
      now: () => new Date("2026-11-24T03:00:00Z"),
    });
  });
  afterEach(async () => {
    await pipelines.close();
    await warehouse.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("all answer with the same job, which is recorded once", async () => {
    const submissions = Array.from({ length: 8 }, () =>
      pipelines.submit({
        jobId: JOB,
        batchDate: "2026-11-23",
        featureTable: "winter-days-local.winter_days_warehouse.churn_features",
        outputUri: `gs://${LAKE}/mlops/predictions/batch_date=2026-11-23/${JOB}/`,
        labelWindowDays: 2,
      }),
    );
    const names = await Promise.all(submissions);
    expect(new Set(names.map((n) => n.name))).toEqual(
      new Set([`projects/local/locations/local/pipelineJobs/${JOB}`]),
    );
    await pipelines.close();
    // One record, and no temporary file left behind.
    expect(await readdir(path.join(dir, "pipelines"))).toEqual([`${JOB}.json`]);
  });
});
