/**
 * The places where an identifier carried by an event ends up in SQL or in a file path, each fed the
 * hostile strings directly: every one refuses them, so validation does not rest on the event schemas
 * alone. Where each event field goes (the audit behind these tests):
 *
 * | field               | reaches                                                        | refused by                                   |
 * | ------------------- | -------------------------------------------------------------- | -------------------------------------------- |
 * | batch_date          | ledger document id; bronze, truth and prediction object names; | event schema (date), hop.ts calendar check   |
 * |                     | Dataform var `batch_date` spliced into SQL; reconcile's SQL    | for the ledger; object-name rules; batch.js; |
 * |                     |                                                                | reconcile's own check                        |
 * | batch_id            | documents query value, object metadata, ledger, job id hashes  | event schema pattern; hop.ts: names its own  |
 * |                     |                                                                | source and date                              |
 * | source              | ledger field paths, object names                               | event schema enum                            |
 * | location            | predictions-load: bucket and prefix listed (a local folder)    | predictions-load: lake and date folder only; |
 * |                     |                                                                | object-name rules                            |
 * | workflow_invocation | Dataform API; offline a JSON file under dataform/              | dataform-poll: resource name; local: UUID    |
 * | pipeline_job        | Vertex AI API; offline a JSON file under pipelines/            | vertex-poll: resource name; local: job id    |
 * | objects, compilation_result, source_batches, model_version | carried along, never a path or SQL | (not used as identifiers)        |
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { partName, truthObjectName } from "../../lib/bronze.ts";
import { PermanentError } from "../../lib/errors.ts";
import { predictionsRunPrefix } from "../../lib/ml/prediction-files.ts";
import { reconcile } from "../../lib/reconcile.ts";
import { openTestPlatform, type TestPlatform } from "../support/local-platform.ts";
import { hostileStrings } from "./corpus.ts";

const HOSTILE = Object.entries(hostileStrings()).filter(([, value]) => value !== "");
const DATE = "2026-10-12";

/** Resolves when `work` was refused with a PermanentError, the kind a hop dead-letters. */
async function expectRefused(work: () => Promise<unknown>, reason?: string): Promise<void> {
  let error: unknown;
  try {
    await work();
  } catch (caught) {
    error = caught;
  }
  expect(error, "expected a refusal").toBeInstanceOf(PermanentError);
  if (reason) expect((error as PermanentError).reason).toBe(reason);
}

describe("sinks of event identifiers, fed hostile strings", () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await openTestPlatform();
  });
  afterAll(async () => {
    await platform?.dispose();
  });

  const lake = () => platform.deps.config.lakeBucket;

  // Only the strings that make the composed name leave its folder or break a path ("..", "//", a
  // backslash, a control character); "/etc/passwd" after "batch_date=" is merely an odd folder name.
  const PATHY = HOSTILE.filter(
    ([, v]) => /\.\.|\/\/|\\|\/$|(^|\/)\.\//.test(v) || ["\u0000", "\r", "\n"].some((c) => v.includes(c)),
  );

  it.each(PATHY)(
    "the object store refuses %s in a bronze object name built from a batch date",
    async (_n, value) => {
      await expectRefused(
        () => platform.objects.write(lake(), partName("sales", value, 0, "parquet"), "x"),
        "invalid-identifier",
      );
      await expectRefused(() => platform.objects.read(lake(), truthObjectName(value)), "invalid-identifier");
      await expectRefused(() => platform.objects.list(lake(), `${value}/`), "invalid-identifier");
      await expectRefused(
        () => platform.objects.stat(lake(), predictionsRunPrefix(value, "job").slice(0, -1)),
        "invalid-identifier",
      );
    },
  );

  it.each(HOSTILE.filter(([, v]) => v.includes("/") || v === "." || v === ".."))(
    "the documents store refuses %s as a ledger document id",
    async (_n, value) => {
      await expectRefused(
        () => platform.deps.ledger.recordSource(value, "sales", { batch_id: "x" }),
        "invalid-identifier",
      );
      await expectRefused(
        () => platform.deps.documents.get(platform.deps.config.ledgerCollection, value),
        "invalid-identifier",
      );
    },
  );

  it.each(HOSTILE)("reconcile refuses %s as a batch date before it reaches SQL", async (_n, value) => {
    await expect(
      reconcile(
        platform.warehouse,
        { batch_date: value, updated_at: "", sources: { sales: { batch_id: "x" } }, hops: {} },
        ["sales"],
      ),
    ).rejects.toThrow(/not a date/);
  });

  it("the warehouse treats hostile partition values as values, never as SQL", async () => {
    const table = { dataset: "winter_days_warehouse", table: "fact_predictions_churn" };
    const file = `mlops/predictions/batch_date=${DATE}/job/predictions-000000000000.jsonl`;
    const uri = `gs://${lake()}/${file}`;
    await platform.objects.write(
      lake(),
      file,
      `${JSON.stringify({ customer_key: "C-0000001", batch_date: DATE })}\n`,
    );
    expect(
      await platform.warehouse.replacePartitionFromFiles(
        table,
        "batch_date",
        DATE,
        [uri],
        "NEWLINE_DELIMITED_JSON",
      ),
    ).toBe(1);
    for (const [name, value] of HOSTILE) {
      await expect(
        platform.warehouse.replacePartitionFromFiles(
          table,
          "batch_date",
          value,
          [uri],
          "NEWLINE_DELIMITED_JSON",
        ),
        name,
      ).rejects.toThrow();
      const [row] = await platform.warehouse.query<{ n: number }>(
        "SELECT COUNT(*) AS n FROM winter_days_warehouse.fact_predictions_churn",
      );
      expect(row?.n, name).toBe(1);
    }
  });

  it.each(HOSTILE)("the warehouse refuses %s as a dataset, table or column name", async (_n, value) => {
    await expectRefused(() => platform.warehouse.ensureDataset(value), "invalid-identifier");
    await expectRefused(
      () =>
        platform.warehouse.replacePartitionFromFiles(
          { dataset: "d", table: value },
          "batch_date",
          DATE,
          ["gs://x/y"],
          "PARQUET",
        ),
      "invalid-identifier",
    );
  });

  it.each(HOSTILE)("the local Dataform refuses %s as a workflow invocation name", async (_n, value) => {
    await expectRefused(
      () => platform.deps.transformations.getWorkflowInvocation(value),
      "invalid-identifier",
    );
    await expectRefused(
      () => platform.deps.transformations.createWorkflowInvocation({ compilationResult: value }),
      "invalid-identifier",
    );
  });

  it.each(HOSTILE)("the local churn pipelines refuse %s as a job id or name", async (_n, value) => {
    await expectRefused(
      () =>
        platform.deps.pipelines.submit({
          jobId: value,
          batchDate: DATE,
          featureTable: "p.d.t",
          outputUri: `gs://${lake()}/mlops/`,
          labelWindowDays: 3,
        }),
      "invalid-identifier",
    );
    await expectRefused(() => platform.deps.pipelines.get(value));
  });

  it.each(["2026-10-12'; DROP TABLE x; --", "../../etc/passwd", "2026-02-30", "yesterday"])(
    "the Dataform project refuses to compile with batch_date %j",
    async (value) => {
      await expectRefused(
        () => platform.deps.transformations.createCompilationResult({ vars: { batch_date: value } }),
        "job-failed",
      );
    },
  );
});
