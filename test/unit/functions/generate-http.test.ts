import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateHttp } from "../../../functions/generate/http.ts";
import { TransientError } from "../../../lib/errors.ts";
import type { HopDeps } from "../../../lib/hop.ts";
import type { ObjectStore } from "../../../lib/ports/objects.ts";
import { openTestPlatform, type TestPlatform } from "../../support/local-platform.ts";

const DATE = "2026-11-17";

/** Serves the handler through the functions framework (its body parsing included) on a free loopback port. */
async function serve(
  deps: HopDeps,
): Promise<{ post(body: string, contentType?: string): Promise<Response>; close(): Promise<void> }> {
  functions.http(
    "generate",
    generateHttp(async () => deps, { today: () => new Date(`${DATE}T06:00:00Z`) }),
  );
  const server: Server = getTestServer("generate");
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    post: (body, contentType = "application/json") =>
      fetch(url, { method: "POST", headers: { "content-type": contentType }, body }),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** The objects port of `deps`, except that writes fail the way an unavailable bucket does. */
function failingWrites(objects: ObjectStore): ObjectStore {
  return new Proxy(objects, {
    get(target, key) {
      if (key === "write") {
        return async () => {
          throw new TransientError("lake bucket unavailable (503 from storage)");
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("generate over HTTP", () => {
  let platform: TestPlatform;
  let http: Awaited<ReturnType<typeof serve>>;
  beforeEach(async () => {
    platform = await openTestPlatform();
    http = await serve(platform.deps);
  });
  afterEach(async () => {
    await http.close();
    await platform.dispose();
  });

  it("lands the batch and answers 200 with its batch.landed event, ready to post to export", async () => {
    const response = await http.post(
      JSON.stringify({ source: "clickstream", date: DATE, seed: 3, scale: 300 }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      batch_id: string;
      records: number;
      event: Record<string, unknown>;
    };
    expect(body.batch_id).toMatch(new RegExp(`^clickstream-${DATE}-[0-9a-f]{8}$`));
    expect(body.records).toBeGreaterThan(0);
    const event = platform.deps.contracts.event(body.event, "response");
    expect(event).toMatchObject({
      event_type: "batch.landed",
      batch_id: body.batch_id,
      record_count: body.records,
      seed: 3,
    });
    const run = await platform.deps.ledger.get(DATE);
    expect(run?.sources.clickstream).toMatchObject({
      batch_id: body.batch_id,
      generated: body.records,
      landed: body.records,
    });
    const parts = await platform.objects.list(
      platform.deps.config.lakeBucket,
      `clickstream/batch_date=${DATE}/`,
    );
    expect(parts.length).toBeGreaterThan(0);
  });

  it("answers the same batch again when asked again, without landing a second one", async () => {
    const request = JSON.stringify({ source: "clickstream", date: DATE, scale: 300 });
    const first = (await (await http.post(request)).json()) as { batch_id: string; records: number };
    const second = (await (await http.post(request)).json()) as { batch_id: string; records: number };
    expect(second).toMatchObject({ batch_id: first.batch_id, records: first.records });
    const parts = await platform.objects.list(
      platform.deps.config.lakeBucket,
      `clickstream/batch_date=${DATE}/`,
    );
    expect(parts).toHaveLength(1);
  });

  it('takes a missing date as "today", as Cloud Scheduler sends it', async () => {
    const response = await http.post(JSON.stringify({ source: "clickstream", scale: 300 }));
    expect(response.status).toBe(200);
    expect(((await response.json()) as { event: { batch_date: string } }).event.batch_date).toBe(DATE);
  });

  it.each([
    [
      "an unknown source",
      JSON.stringify({ source: "orders", date: DATE }),
      "application/json",
      /^source must be one of/,
    ],
    ["no source", JSON.stringify({ date: DATE }), "application/json", /^source must be one of/],
    [
      "a date that does not exist",
      JSON.stringify({ source: "sales", date: "2026-02-30" }),
      "application/json",
      /^date 2026-02-30 does not exist/,
    ],
    [
      "a date in another format",
      JSON.stringify({ source: "sales", date: "17/11/2026" }),
      "application/json",
      /^date must be YYYY-MM-DD/,
    ],
    [
      "a seed that is not an integer",
      JSON.stringify({ source: "sales", date: DATE, seed: 1.5 }),
      "application/json",
      /^seed must be an integer/,
    ],
    [
      "an unknown scale",
      JSON.stringify({ source: "sales", date: DATE, scale: "huge" }),
      "application/json",
      /^scale: /,
    ],
    ["a body that is not JSON", "source=sales", "text/plain", /request body must be a JSON object/],
  ])("answers 400 naming the field for %s, and lands nothing", async (_case, body, contentType, message) => {
    const response = await http.post(body, contentType);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { outcome: string; reason: string; error: string };
    expect(answer).toMatchObject({ outcome: "rejected", reason: "schema-violation" });
    expect(answer.error).toMatch(message);
    expect(await platform.deps.ledger.dates()).toEqual([]);
  });

  it("answers 503 when the lake cannot be written, so schedulers and the workflow retry", async () => {
    await http.close();
    http = await serve({ ...platform.deps, objects: failingWrites(platform.deps.objects) });
    const response = await http.post(JSON.stringify({ source: "clickstream", date: DATE, scale: 300 }));
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      outcome: "retrying",
      error: "lake bucket unavailable (503 from storage)",
    });
  });
});
