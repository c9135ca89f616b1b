/**
 * The process killed (SIGKILL: no cleanup, no flush) at seeded moments while it works through the
 * history and the hops, then started again, several times: each restart resumes from what is
 * durable (broker, ledger, lake, warehouse, job records), and the last one completes the date.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../../runtime/chain.ts";
import { seededRandom } from "../support/faults.ts";
import type { TestPlatform } from "../support/local-platform.ts";
import {
  DATE,
  ENV,
  expectChainDelivered,
  HISTORY_DAYS,
  openFaultPlatform,
  SCALE,
  suiteSeed,
  summary,
  TIME_SCALE,
} from "./chain-harness.ts";

const seed = suiteSeed();
const cliPath = path.join(import.meta.dirname, "..", "..", "runtime", "cli.ts");

/**
 * Kill once the run has added `lines` lines to the CLI's log (each a finished step: a batch landed,
 * a hop's outcome), `delayMs` later: somewhere inside the step after.
 */
interface KillPoint {
  lines: number;
  delayMs: number;
}

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function logLines(file: string): number {
  if (!existsSync(file)) return 0;
  const text = readFileSync(file, "utf8");
  let lines = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines++;
  return lines;
}

/** Runs `winter-days run` in a child process, killing it at `kill` if it gets that far. */
function runCli(dataDir: string, kill?: KillPoint): Promise<CliRun> {
  const args = [
    cliPath,
    "run",
    "--date",
    DATE,
    "--seed",
    String(seed),
    "--scale",
    String(SCALE),
    "--history-days",
    String(HISTORY_DAYS),
    "--json",
  ];
  const env = {
    ...process.env,
    ...ENV,
    WINTER_DAYS_DATA_DIR: dataDir,
    WINTER_DAYS_TIME_SCALE: String(TIME_SCALE),
  };
  const logFile = path.join(dataDir, "logs", "winter-days.jsonl");
  const start = logLines(logFile);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const watch =
      kill &&
      setInterval(() => {
        if (logLines(logFile) - start < kill.lines) return;
        clearInterval(watch);
        setTimeout(() => child.kill("SIGKILL"), kill.delayMs);
      }, 5);
    child.on("exit", (code, signal) => {
      if (watch) clearInterval(watch);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Seeded kill points that walk through a run: a clean run of this date logs about 60 lines (the
 * history's batches and exports, today's batches, then the hops), so four runs that each get 2 to
 * 20 lines further before they die are killed in the history load, the exports, the Dataform and
 * churn stages or the loads; the delay moves each kill off the log line, into the next step.
 */
function killPoints(count: number): KillPoint[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => ({
    lines: 2 + Math.floor(random() * 19),
    delayMs: Math.floor(random() * 40),
  }));
}

describe(`the process killed at seeded moments, then restarted (seed ${seed})`, () => {
  let dir: string;
  let platform: TestPlatform;
  let result: RunSummary;
  const runs: Array<CliRun & { point: KillPoint }> = [];
  let final: CliRun;
  const points = killPoints(4);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "winter-days-faults-crash-"));
    for (const point of points) runs.push({ ...(await runCli(dir, point)), point });
    final = await runCli(dir);
    platform = await openFaultPlatform(dir);
    result = await summary(platform, seed, { delivered: 0, acked: 0, nacked: 0 });
  }, 180_000);
  afterAll(async () => {
    await platform?.dispose();
  });

  it("was killed mid-run at least at three of the points", () => {
    const killed = runs.filter((r) => r.signal === "SIGKILL");
    const where = runs.map((r) => `${r.point.lines}+${r.point.delayMs}ms: ${r.signal ?? r.code}`).join(", ");
    expect(killed.length, `seed ${seed}; kill points ${where}`).toBeGreaterThanOrEqual(3);
    // A run the kill did not reach must have finished cleanly.
    for (const r of runs.filter((r) => r.signal === null)) expect(r.code, r.stderr).toBe(0);
  });

  it("completes on the last restart", () => {
    expect(final.code, final.stderr).toBe(0);
    const printed = JSON.parse(final.stdout) as RunSummary;
    expect(printed.problems, `seed ${seed}`).toEqual([]);
  });

  it("still puts every generated record in gold exactly once, with a true ledger and no dead letters", async () => {
    await expectChainDelivered(platform, result, {
      label: `killed at ${points.map((p) => `${p.lines}+${p.delayMs}ms`).join(", ")}; seed ${seed}`,
    });
  });
});
