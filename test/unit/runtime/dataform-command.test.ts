import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const cli = path.join(import.meta.dirname, "..", "..", "..", "runtime", "cli.ts");

describe("winter-days dataform", () => {
  let dir: string;
  const env = () => ({ ...process.env, WINTER_DAYS_DATA_DIR: dir });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "winter-days-dataform-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("compiles the project and lists every action with its dependencies", async () => {
    const { stdout } = await run(
      process.execPath,
      [cli, "dataform", "compile", "--date", "2026-11-23", "--json"],
      { env: env() },
    );
    const actions = JSON.parse(stdout) as Array<{ target: string; type: string; dependencies: string[] }>;
    const types = new Set(actions.map((a) => a.type));
    expect(types).toEqual(new Set(["table", "view", "incremental", "operations", "assertion", "test"]));
    const fctSales = actions.find((a) => a.target === "winter_days_warehouse.fct_sales");
    expect(fctSales?.dependencies).toContain("winter_days_staging.stg_sales");
  });

  it("prints the SQL of a dry run and creates nothing", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        cli,
        "dataform",
        "run",
        "--date",
        "2026-11-23",
        "--actions",
        "winter_days_staging.stg_sales",
        "--dry-run",
      ],
      { env: env() },
    );
    expect(stdout).toContain("-- winter_days_staging.stg_sales (incremental)");
    expect(stdout).toContain('"winter_days_staging"."stg_sales"');
    const { stdout: json } = await run(
      process.execPath,
      [cli, "dataform", "test", "--date", "2026-11-23", "--json"],
      { env: env() },
    );
    const result = JSON.parse(json) as { state: string; actions: Array<{ type: string; state: string }> };
    expect(result.state).toBe("SUCCEEDED");
    expect(result.actions.length).toBeGreaterThan(0);
    expect(result.actions.every((a) => a.type === "test" && a.state === "SUCCEEDED")).toBe(true);
  });
});
