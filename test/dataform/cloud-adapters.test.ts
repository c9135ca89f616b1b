import { BigQuery } from "@google-cloud/bigquery";
import { protos } from "@google-cloud/dataform";
import { describe, expect, it } from "vitest";
import {
  BigQueryWarehouse,
  partitionDecorator,
  partitionLoadConfiguration,
} from "../../lib/adapters/gcp/bigquery.ts";
import {
  CloudTransformations,
  type DataformApi,
  toInvocationAction,
} from "../../lib/adapters/gcp/dataform.ts";
import { ConfigError, PermanentError } from "../../lib/errors.ts";

const REPOSITORY = "projects/winter-days-prod/locations/europe-west1/repositories/winter-days";

/** Records the requests; answers like the Dataform API would. No network. */
function recordingApi(answers: {
  compilationErrors?: Array<{ path: string; message: string }>;
  state?: number;
}) {
  const requests: unknown[] = [];
  const api: DataformApi = {
    createCompilationResult: async (request) => {
      requests.push(request);
      return [
        { name: `${REPOSITORY}/compilationResults/c1`, compilationErrors: answers.compilationErrors ?? [] },
      ];
    },
    createWorkflowInvocation: async (request) => {
      requests.push(request);
      return [{ name: `${REPOSITORY}/workflowInvocations/w1` }];
    },
    getWorkflowInvocation: async (request) => {
      requests.push(request);
      return [{ name: request.name ?? null, state: answers.state ?? 1 }];
    },
    queryWorkflowInvocationActionsAsync: async function* () {
      yield {
        target: { database: "p", schema: "winter_days_staging", name: "stg_sales" },
        state: protos.google.cloud.dataform.v1.WorkflowInvocationAction.State.FAILED,
        failureReason: "Query error: Unrecognized name: sold_at",
        invocationTiming: {
          startTime: { seconds: 100, nanos: 0 },
          endTime: { seconds: 102, nanos: 500_000_000 },
        },
        bigqueryAction: { sqlScript: "CREATE OR REPLACE TABLE ..." },
      };
    },
  };
  return { api, requests };
}

describe("CloudTransformations (Dataform API v1)", () => {
  it("compiles the repository with the batch's vars and the bigquery dialect, then invokes it", async () => {
    const { api, requests } = recordingApi({});
    const cloud = new CloudTransformations(api, {
      repository: REPOSITORY,
      defaultVars: { lake_bucket: "lake" },
    });
    const compilation = await cloud.createCompilationResult({ vars: { batch_date: "2026-11-03" } });
    await cloud.createWorkflowInvocation({
      compilationResult: compilation.name,
      includedTags: ["sales"],
      includedTargets: ["winter_days_warehouse.fct_sales"],
      fullyRefresh: true,
    });
    expect(requests).toEqual([
      {
        parent: REPOSITORY,
        compilationResult: {
          gitCommitish: "main",
          codeCompilationConfig: {
            vars: { lake_bucket: "lake", batch_date: "2026-11-03", dialect: "bigquery" },
          },
        },
      },
      {
        parent: REPOSITORY,
        workflowInvocation: {
          compilationResult: `${REPOSITORY}/compilationResults/c1`,
          invocationConfig: {
            includedTags: ["sales"],
            includedTargets: [{ schema: "winter_days_warehouse", name: "fct_sales" }],
            fullyRefreshIncrementalTablesEnabled: true,
          },
        },
      },
    ]);
  });

  it("maps invocation and action states, durations and failure reasons", async () => {
    const { api } = recordingApi({ state: protos.google.cloud.dataform.v1.WorkflowInvocation.State.FAILED });
    const cloud = new CloudTransformations(api, { repository: REPOSITORY });
    expect(await cloud.getWorkflowInvocation("w1")).toEqual({ name: "w1", state: "FAILED" });
    expect(await cloud.queryWorkflowInvocationActions("w1")).toEqual([
      {
        target: "winter_days_staging.stg_sales",
        state: "FAILED",
        failureReason: "Query error: Unrecognized name: sold_at",
        durationMs: 2500,
        sql: "CREATE OR REPLACE TABLE ...",
      },
    ]);
    expect(toInvocationAction({ state: "SUCCEEDED" }).state).toBe("SUCCEEDED");
  });

  it("turns compilation errors into a permanent failure and a bad repository into a config error", async () => {
    const { api } = recordingApi({ compilationErrors: [{ path: "definitions/x.sqlx", message: "boom" }] });
    await expect(
      new CloudTransformations(api, { repository: REPOSITORY }).createCompilationResult({ vars: {} }),
    ).rejects.toThrow(
      new PermanentError("job-failed", "Dataform compilation failed: definitions/x.sqlx: boom"),
    );
    expect(() => new CloudTransformations(api, { repository: undefined })).toThrow(ConfigError);
    expect(() => new CloudTransformations(api, { repository: "winter-days" })).toThrow(
      /WINTER_DAYS_DATAFORM_REPOSITORY/,
    );
  });
});

describe("BigQueryWarehouse (offline parts)", () => {
  it("replaces a partition with a WRITE_TRUNCATE load on the day's decorator", () => {
    expect(
      partitionLoadConfiguration(
        "winter-days-prod",
        { dataset: "winter_days_warehouse", table: "fact_predictions_churn" },
        "batch_date",
        "2026-11-03",
        ["gs://lake/predictions/batch_date=2026-11-03/part-00000.parquet"],
        "PARQUET",
      ),
    ).toEqual({
      sourceUris: ["gs://lake/predictions/batch_date=2026-11-03/part-00000.parquet"],
      sourceFormat: "PARQUET",
      destinationTable: {
        projectId: "winter-days-prod",
        datasetId: "winter_days_warehouse",
        tableId: "fact_predictions_churn$20261103",
      },
      writeDisposition: "WRITE_TRUNCATE",
      createDisposition: "CREATE_IF_NEEDED",
      timePartitioning: { type: "DAY", field: "batch_date" },
      parquetOptions: { enableListInference: true },
    });
  });

  it("refuses names and partition values that would change the statement", () => {
    expect(() => partitionDecorator("t; DROP TABLE x", "2026-11-03")).toThrow(PermanentError);
    expect(() => partitionDecorator("t", "2026-11-03$1")).toThrow(/not YYYY-MM-DD/);
    expect(() =>
      partitionLoadConfiguration(
        "p",
        { dataset: "d", table: "t" },
        "batch_date",
        "2026-11-03",
        ["/etc/passwd"],
        "PARQUET",
      ),
    ).toThrow(/not a gs:\/\/ URI/);
  });

  it("sends GoogleSQL with named parameters in the configured location", () => {
    const warehouse = new BigQueryWarehouse(new BigQuery({ projectId: "winter-days-prod" }), {
      project: "winter-days-prod",
      location: "EU",
    });
    expect(warehouse.dialect).toBe("bigquery");
    expect(warehouse.queryRequest("SELECT @d AS d", { d: "2026-11-03" })).toEqual({
      query: "SELECT @d AS d",
      location: "EU",
      useLegacySql: false,
      params: { d: "2026-11-03" },
    });
  });
});
