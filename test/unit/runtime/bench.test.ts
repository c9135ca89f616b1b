import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchReport } from "../../../runtime/bench/figures.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** A program with the bench command registered exactly as runtime/cli.ts registers it. */
const PROGRAM = `
import { Command } from "commander";
import { registerBenchCommands } from "./runtime/commands/bench.ts";
const program = new Command("winter-days");
registerBenchCommands(program);
await program.parseAsync(process.argv.slice(1), { from: "user" });
`;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bench(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", PROGRAM, "--", "bench", ...args], {
      cwd: repoRoot,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const positive = expect.any(Number);

describe("winter-days bench", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "wd-bench-test-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("measures every section at two tiny scales and reports each figure with its unit", async () => {
    // Prepare
    const out = path.join(dir, "report", "bench.json");

    // Act
    const run = await bench(["--scales", "40,80", "--out", out]);

    // Assess
    expect(run.stderr).not.toMatch(/Error|failed/);
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(out, "utf8")) as BenchReport;
    expect(report.problems).toEqual([]);
    expect(report.scales).toEqual(["40", "80"]);
    expect(report.machine.cpus).toBeGreaterThan(0);

    const generators = report.generators ?? [];
    expect(generators.map((f) => `${f.source}@${f.scale}`)).toEqual([
      "sales@40",
      "clickstream@40",
      "sales@80",
      "clickstream@80",
    ]);
    for (const figure of generators) {
      expect(figure.rows).toBeGreaterThan(0);
      expect(figure.rowsPerSecond).toBeGreaterThan(0);
      expect(figure.peakRssMiB).toBeGreaterThanOrEqual(figure.baselineRssMiB);
    }

    const exports = report.export ?? [];
    expect(exports.map((f) => `${f.scale}/${f.heapLimitMiB}`)).toEqual([
      "40/null",
      "40/192",
      "80/null",
      "80/192",
    ]);
    const [small, , larger] = exports;
    // The export hop writes every landed sales document of the batch, and more at the larger scale.
    expect(small?.rows).toBeGreaterThan(0);
    expect(larger?.rows).toBeGreaterThan(small?.rows ?? 0);
    for (const figure of exports) {
      expect(figure).toMatchObject({ seconds: positive, rowsPerSecond: positive, peakRssMiB: positive });
      expect(figure.parquetMiB).toBeGreaterThanOrEqual(0);
    }

    const broker = report.broker;
    expect(broker?.emulator).toEqual({ available: true });
    expect(broker?.figures.map((f) => `${f.bus}@${f.scale}:${f.messages}`)).toEqual([
      "local@40:40",
      "emulator@40:40",
      "local@80:80",
      "emulator@80:80",
    ]);
    for (const figure of broker?.figures ?? []) {
      expect(figure.messagesPerSecond).toBeGreaterThan(0);
      expect(figure.peakRssMiB).toBeGreaterThan(0);
    }

    const dataform = report.dataform ?? [];
    expect(dataform.map((f) => f.scale)).toEqual(["40", "80"]);
    for (const figure of dataform) {
      expect(figure.actions).toBeGreaterThan(0);
      expect(figure.dataformSeconds).toBeGreaterThan(0);
      expect(figure.directSeconds).toBeGreaterThan(0);
      expect(figure.ratio).toBeCloseTo(figure.dataformSeconds / figure.directSeconds, 1);
      expect(figure.rows).toBeGreaterThan(0);
    }

    // The table people read names every section and the unit of every figure.
    for (const heading of ["Generators:", "Export:", "Broker:", "Dataform:"]) {
      expect(run.stdout).toContain(heading);
    }
    for (const unit of [
      "rows/s",
      "wall s",
      "peak RSS MiB",
      "offline msg/s",
      "emulator msg/s",
      "direct DuckDB s",
      "ratio ×",
    ]) {
      expect(run.stdout).toContain(unit);
    }
    // Both buses side by side: one broker line per scale carries both rates.
    const brokerLine = run.stdout.split("\n").find((line) => /^40\s+40\s/.test(line));
    expect(brokerLine?.trim().split(/\s+/)).toHaveLength(10);
  }, 240_000);

  it("prints one JSON object with --json and measures only the sections asked for", async () => {
    const run = await bench(["--scales", "40", "--only", "generators", "--json"]);

    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as BenchReport;
    expect(report.sections).toEqual(["generators"]);
    expect(report.generators).toHaveLength(2);
    expect(report.export).toBeUndefined();
    expect(report.broker).toBeUndefined();
    expect(report.dataform).toBeUndefined();
  }, 60_000);

  it("says clearly that gcloud is missing and fails when the broker was asked for", async () => {
    const noGcloud = { ...process.env, PATH: dir };

    const run = await bench(["--scales", "40", "--only", "broker"], noGcloud);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Pub/Sub emulator: not measured. gcloud is not on the PATH");
    // The offline broker is still measured.
    expect(run.stdout).toMatch(/^40\s+40\s+[\d.]+\s+[\d,]+/m);
  }, 60_000);

  it("rejects unknown sections and scales, naming what is accepted", async () => {
    const section = await bench(["--only", "generators,warp"]);
    expect(section.code).not.toBe(0);
    expect(section.stderr).toContain("generators, export, broker, dataform");

    const scale = await bench(["--scales", "small,huge"]);
    expect(scale.code).not.toBe(0);
    expect(scale.stderr).toContain('scale "huge" is not valid');
  }, 60_000);
});
