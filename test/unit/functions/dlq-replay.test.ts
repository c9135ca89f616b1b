import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as functions from "@google-cloud/functions-framework";
import { getFunction, getTestServer } from "@google-cloud/functions-framework/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_PER_CALL,
  type DlqReplayDeps,
  dlqReplayHandler,
} from "../../../functions/dlq-replay/handle.ts";
import { LocalBroker } from "../../../lib/adapters/local/broker.ts";
import { loadConfig } from "../../../lib/config.ts";
import { Contracts } from "../../../lib/contracts/validator.ts";
import { REPLAY_COUNT_ATTRIBUTE, type ReplaySummary } from "../../../lib/dlq.ts";
import { memoryLogger } from "../../../lib/log.ts";
import { DEAD_LETTER_ATTRIBUTES } from "../../../lib/ports/events.ts";
import { loadTopology } from "../../../lib/topology.ts";

const topology = loadTopology(new Contracts());

/** The dependencies the function gets in a test: the offline broker instead of Pub/Sub. */
let deps: DlqReplayDeps & { events: LocalBroker };
let dir: string;
let server: Server;
let url: string;

// The function body under test, served by the functions framework as a deployment would serve it.
functions.http(
  "dlq-replay-under-test",
  dlqReplayHandler(async () => deps),
);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "wd-dlq-replay-fn-"));
  const events = new LocalBroker(join(dir, "broker.sqlite"));
  await events.ensureTopology(topology);
  deps = {
    events,
    topology,
    config: loadConfig({ WINTER_DAYS_DATA_DIR: dir }),
    log: memoryLogger(),
    now: () => new Date(),
  };
  server = getTestServer("dlq-replay-under-test");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await deps.events.close();
  await rm(dir, { recursive: true, force: true });
});

async function post(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** A message Pub/Sub dead-lettered from the deployed export subscription (`<prefix>-export`). */
async function deadLetter(source: string, batchDate: string): Promise<void> {
  const event = { event_type: "batch.landed", schema_version: "1.0.0", batch_date: batchDate, source };
  await deps.events.publish("export-dead-letter", {
    data: Buffer.from(JSON.stringify(event)),
    attributes: {
      event_type: "batch.landed",
      batch_date: batchDate,
      source,
      [DEAD_LETTER_ATTRIBUTES.sourceSubscription]: `${deps.config.prefix}-export`,
      [DEAD_LETTER_ATTRIBUTES.sourceDeliveryCount]: "10",
    },
  });
}

describe("the dlq-replay function", () => {
  it("replays the dead letters of a keep subscription named by its deployed name, and answers the summary", async () => {
    await deadLetter("sales", "2026-11-20");

    const { status, json } = await post({ subscription: `${deps.config.prefix}-export-dead-letter-keep` });

    const summary = json as unknown as ReplaySummary;
    expect(status).toBe(200);
    expect(summary).toMatchObject({
      subscription: "export-dead-letter-keep",
      replayed: 1,
      failed: 0,
      by_topic: { "batch-landed": { replayed: 1 } },
    });
    const [back] = await deps.events.pull("export", 10);
    expect(JSON.parse(back?.data.toString() ?? "{}")).toMatchObject({
      source: "sales",
      batch_date: "2026-11-20",
    });
    expect(back?.attributes).toMatchObject({ source: "sales", [REPLAY_COUNT_ATTRIBUTE]: "1" });
    expect(deps.events.peek("export-dead-letter-keep", 10)).toEqual([]);
  });

  it("takes filters as an object, and a dry run leaves everything where it was", async () => {
    await deadLetter("sales", "2026-11-20");
    await deadLetter("clickstream", "2026-11-20");

    const { status, json } = await post({
      subscription: "export-dead-letter",
      filter: { source: ["sales"], reason: "max-delivery-attempts" },
      dry_run: true,
    });

    expect(status).toBe(200);
    expect(json).toMatchObject({ dry_run: true, replayed: 0, would_replay: 1, skipped: 1 });
    expect(await deps.events.pull("export", 10)).toEqual([]);
    expect(deps.events.peek("export-dead-letter-keep", 10)).toHaveLength(2);
  });

  it("bounds a call to its max, and to DEFAULT_MAX_PER_CALL when the request names none", async () => {
    await Promise.all(
      Array.from({ length: DEFAULT_MAX_PER_CALL + 3 }, (_, i) =>
        deadLetter("sales", `2026-11-${String((i % 28) + 1).padStart(2, "0")}`),
      ),
    );

    const bounded = await post({ subscription: "export-dead-letter-keep", filter: ["source=sales"], max: 2 });
    const byDefault = await post({ subscription: "export-dead-letter-keep" });

    expect(bounded.json).toMatchObject({ replayed: 2 });
    expect(byDefault.json).toMatchObject({ replayed: DEFAULT_MAX_PER_CALL });
    expect(deps.events.peek("export-dead-letter-keep", 10)).toHaveLength(1);
  });

  it.for([
    [{}, /subscription is required/],
    [
      { subscription: "export" },
      /"export" is neither a dead-letter topic nor .*known: export-dead-letter-keep/,
    ],
    [{ subscription: "export-dead-letter-keep", max: 0 }, /max must be a positive integer/],
    [{ subscription: "export-dead-letter-keep", rate: "fast" }, /rate must be a positive number/],
    [{ subscription: "export-dead-letter-keep", filter: ["source"] }, /key=value/],
    [{ subscription: "export-dead-letter-keep", dry_run: "yes" }, /dry_run must be true or false/],
    [{ subscription: "export-dead-letter-keep", replay_all: true }, /unknown field\(s\) replay_all/],
  ] as const)("answers 400 naming the problem for %j", async ([body, problem]) => {
    await deadLetter("sales", "2026-11-20");

    const { status, json } = await post(body);

    expect(status).toBe(400);
    expect(json.error).toMatch(problem);
    expect(deps.events.peek("export-dead-letter-keep", 10)).toHaveLength(1);
  });

  it("answers 405 to anything but POST", async () => {
    const response = await fetch(url);
    expect(response.status).toBe(405);
  });

  it("is registered under its deployed name without connecting to anything", async () => {
    await import("../../../functions/dlq-replay/index.ts");
    expect(getFunction("dlq-replay")).toBeTypeOf("function");
  });
});
