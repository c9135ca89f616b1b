// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${...}" in these strings is Workflows expression syntax, not a JS template.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWorkflowCommand } from "../../runtime/workflows/index.ts";
import { json, LocalServer } from "./helpers.ts";

const fixture = join(import.meta.dirname, "fixtures", "backfill-example.workflows.yaml");
const server = new LocalServer();
let base = "";
let dir = "";
const polls = new Map<string, number>();
let startFailures = 1;

beforeAll(async () => {
  server
    .on("/start", (request, response) => {
      if (startFailures > 0) {
        startFailures--;
        json(response, 503, { retry: true });
        return;
      }
      const { date } = JSON.parse(request.body) as { date: string };
      json(response, 200, { job: `job-${date}` });
    })
    .on("/jobs/job-2026-11-01", (_request, response) => {
      const seen = (polls.get("a") ?? 0) + 1;
      polls.set("a", seen);
      json(response, 200, { state: seen >= 3 ? "DONE" : "RUNNING" });
    })
    .on("/jobs/job-2026-11-02", (_request, response) => {
      json(response, 200, { state: "DONE" });
    })
    .on("/jobs/job-2026-11-03", (_request, response) => {
      json(response, 200, { state: "RUNNING" });
    });
  base = await server.start();
  dir = await mkdtemp(join(tmpdir(), "wd-workflows-"));
});

afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("runWorkflowCommand", () => {
  it("runs a file with --data and prints the result as JSON (exit 0), retrying and polling on a scaled clock", async () => {
    const logs: string[] = [];
    const outcome = await runWorkflowCommand({
      file: fixture,
      data: '{"dates": ["2026-11-01", "2026-11-02"]}',
      sleepScale: 0.001,
      env: { HOP_URL: base },
      logSink: (line) => logs.push(line),
    });
    expect(outcome).toEqual({
      exitCode: 0,
      output: JSON.stringify({ "2026-11-01": "DONE", "2026-11-02": "DONE" }, null, 2),
    });
    expect(polls.get("a")).toBe(3);
  });

  it("prints the failing step and the error map with a non-zero exit when the workflow fails", async () => {
    const outcome = await runWorkflowCommand({
      file: fixture,
      data: '{"dates": ["2026-11-03"]}',
      sleepScale: 0.0001,
      env: { HOP_URL: base },
      logSink: () => undefined,
    });
    expect(outcome.exitCode).toBe(1);
    expect(JSON.parse(outcome.output)).toEqual({
      step: "decide",
      error: { message: "job job-2026-11-03 did not finish before the deadline", tags: ["DeadlineExceeded"] },
    });
  });

  it("resolves a bare name to workflows/<name>.workflows.yaml under the root", async () => {
    await writeFile(join(dir, "ignored.txt"), "");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "workflows"), { recursive: true });
    await writeFile(
      join(dir, "workflows", "hello.workflows.yaml"),
      'main:\n  params: [args]\n  steps:\n    - r:\n        return: ${"hello " + args.name}\n',
    );
    expect(await runWorkflowCommand({ file: "hello", root: dir, data: '{"name": "world"}' })).toEqual({
      exitCode: 0,
      output: '"hello world"',
    });
  });

  it("exits 2 with file, line and column when the workflow does not parse", async () => {
    const path = join(dir, "broken.workflows.yaml");
    await writeFile(path, "- first:\n    assign:\n      - x: 1\n    next: nowhere\n");
    const outcome = await runWorkflowCommand({ file: path });
    expect(outcome.exitCode).toBe(2);
    expect(outcome.output).toBe(
      `${path}:4:11: "next" names an unknown step "nowhere" in workflow "main" (step "first")`,
    );
  });

  it("exits 2 when --data is not JSON or the file does not exist", async () => {
    expect((await runWorkflowCommand({ file: fixture, data: "{nope" })).exitCode).toBe(2);
    expect((await runWorkflowCommand({ file: join(dir, "absent.yaml") })).exitCode).toBe(2);
  });

  it("keeps doubles as doubles in the printed JSON", async () => {
    const path = join(dir, "numbers.workflows.yaml");
    await writeFile(path, "- r:\n    return: ${[10 / 2, 10 // 2, 0.5]}\n");
    expect((await runWorkflowCommand({ file: path })).output).toBe("[\n  5.0,\n  5,\n  0.5\n]");
  });
});
