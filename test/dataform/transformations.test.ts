import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalTransformations } from "../../lib/adapters/local/dataform/transformations.ts";
import type { DuckDbWarehouse } from "../../lib/adapters/local/warehouse.ts";
import { PermanentError } from "../../lib/errors.ts";
import { TERMINAL_INVOCATION_STATES } from "../../lib/ports/transformations.ts";
import { createLake, DAYS, type Lake, projectDir } from "./support.ts";

describe("LocalTransformations, the transformations port offline", () => {
  let lake: Lake;
  let warehouse: DuckDbWarehouse;
  let transformations: LocalTransformations;

  beforeAll(async () => {
    lake = await createLake();
    warehouse = await lake.openWarehouse();
    transformations = new LocalTransformations({
      dataDir: lake.dir,
      projectDir,
      warehouse,
      lakeRoot: lake.lakeRoot,
      piiHashKey: lake.environment.piiHashKey,
      defaultVars: { lake_bucket: "test-lake" },
    });
  });

  afterAll(async () => {
    await transformations?.idle();
    await warehouse?.close();
    lake?.remove();
  });

  it("runs an invocation in the background to SUCCEEDED, visible to another reader of the data dir", async () => {
    const compilation = await transformations.createCompilationResult({ vars: { batch_date: DAYS[0] } });
    const invocation = await transformations.createWorkflowInvocation({
      compilationResult: compilation.name,
    });
    const first = await transformations.getWorkflowInvocation(invocation.name);
    expect(["RUNNING", "SUCCEEDED"]).toContain(first.state);

    await transformations.idle();
    // A second adapter on the same data dir stands in for the poll hop in another process.
    const reader = new LocalTransformations({
      dataDir: lake.dir,
      projectDir,
      warehouse,
      lakeRoot: lake.lakeRoot,
      piiHashKey: "unused-by-a-reader-0000",
    });
    expect(await reader.getWorkflowInvocation(invocation.name)).toEqual({
      name: invocation.name,
      state: "SUCCEEDED",
    });
    const actions = await reader.queryWorkflowInvocationActions(invocation.name);
    expect(actions.every((a) => a.state === "SUCCEEDED")).toBe(true);
    const stgSales = actions.find((a) => a.target === "winter_days_staging.stg_sales");
    // The first run builds the incremental table from all of bronze: two days of 40 kept sales.
    expect(stgSales?.rowsAffected).toBe(80);
    expect(stgSales?.sql).toContain('CREATE OR REPLACE TABLE "winter_days_staging"."stg_sales"');
    expect(typeof stgSales?.durationMs).toBe("number");
    const stored = readdirSync(path.join(lake.dir, "dataform", "workflowInvocations"));
    expect(stored).toHaveLength(1);
  });

  it("reports FAILED with the failing action and its reason, and skips what depends on it", async () => {
    // churn_features reads the int_churn_features view, which this invocation does not rebuild.
    await warehouse.query("CREATE OR REPLACE VIEW winter_days_warehouse.int_churn_features AS SELECT 1 AS x");
    const compilation = await transformations.createCompilationResult({ vars: { batch_date: DAYS[0] } });
    const invocation = await transformations.createWorkflowInvocation({
      compilationResult: compilation.name,
      includedTargets: ["winter_days_warehouse.churn_features"],
    });
    await transformations.idle();
    const status = await transformations.getWorkflowInvocation(invocation.name);
    expect(TERMINAL_INVOCATION_STATES.has(status.state)).toBe(true);
    expect(status).toEqual({ name: invocation.name, state: "FAILED" });
    const actions = await transformations.queryWorkflowInvocationActions(invocation.name);
    const model = actions.find((a) => a.target === "winter_days_warehouse.churn_features");
    expect(model?.state).toBe("FAILED");
    expect(model?.failureReason).toMatch(/cutoff_date/);
    const assertions = actions.filter((a) => a.target.startsWith("winter_days_assertions."));
    expect(assertions.length).toBe(2);
    expect(
      assertions.every((a) => a.state === "SKIPPED" && a.failureReason?.includes("churn_features")),
    ).toBe(true);
  });

  it("runs again, to the end, an invocation whose process died while it was RUNNING", async () => {
    const compilation = await transformations.createCompilationResult({ vars: { batch_date: DAYS[1] } });
    const invocation = await transformations.createWorkflowInvocation({
      compilationResult: compilation.name,
      includedTags: ["startups"],
    });
    await transformations.idle();
    const file = path.join(
      lake.dir,
      "dataform",
      "workflowInvocations",
      `${invocation.name.split("/").at(-1)}.json`,
    );
    const dead = spawnSync(process.execPath, ["-e", ""]).pid;
    const stored = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...stored, state: "RUNNING", pid: dead, actions: [] }));
    expect((await transformations.getWorkflowInvocation(invocation.name)).state).toBe("RUNNING");
    await transformations.idle();
    expect((await transformations.getWorkflowInvocation(invocation.name)).state).toBe("SUCCEEDED");
    const actions = await transformations.queryWorkflowInvocationActions(invocation.name);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((a) => a.state === "SUCCEEDED")).toBe(true);
  });

  it("refuses a compilation with errors and names that are not its own", async () => {
    await expect(
      transformations.createCompilationResult({ vars: { batch_date: "yesterday" } }),
    ).rejects.toThrow(/var batch_date="yesterday"/);
    await expect(transformations.getWorkflowInvocation("projects/x/../../etc/passwd")).rejects.toBeInstanceOf(
      PermanentError,
    );
    await expect(
      transformations.createWorkflowInvocation({
        compilationResult:
          "projects/local/locations/local/repositories/winter-days/compilationResults/00000000-0000-4000-8000-000000000000",
      }),
    ).rejects.toThrow(/does not exist/);
  });
});
