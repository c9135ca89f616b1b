import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type HopServer, startHopServer } from "../../../runtime/local/hop-server.ts";
import { openTestPlatform, type TestPlatform } from "../../support/local-platform.ts";

const DATE = "2026-11-18";

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("local hop server", () => {
  let platform: TestPlatform;
  let server: HopServer;
  beforeEach(async () => {
    platform = await openTestPlatform();
    server = await startHopServer(platform.deps);
  });
  afterEach(async () => {
    await server.close();
    await platform.dispose();
  });

  it("listens on loopback and accounts for every function of the topology", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const topology = platform.deps.topology.functions.map((f) => f.name);
    expect([...server.served, ...server.missing].sort()).toEqual([...topology].sort());
    expect(server.served).toEqual(expect.arrayContaining(["generate", "export"]));
    const listing = await (await fetch(`${server.url}/`)).json();
    expect(listing).toEqual({ served: server.served, missing: server.missing });
  });

  it("runs generate and then export over HTTP on the platform's stores, as the workflow does", async () => {
    const generated = await post(`${server.url}/generate`, { source: "clickstream", date: DATE, scale: 300 });
    expect(generated.status).toBe(200);
    const { event, records } = (await generated.json()) as {
      event: Record<string, unknown>;
      records: number;
    };

    const exported = await post(`${server.url}/export`, event);
    expect(exported.status).toBe(200);
    const body = (await exported.json()) as {
      outcome: string;
      published: Array<Record<string, unknown>>;
      rowsOut: number;
    };
    expect(body.outcome).toBe("succeeded");
    expect(body.rowsOut).toBe(records);
    expect(body.published).toEqual([
      expect.objectContaining({
        event_type: "bronze.ready",
        batch_id: event.batch_id,
        record_count: records,
      }),
    ]);
    const run = await platform.deps.ledger.get(DATE);
    expect(run?.sources.clickstream?.bronze).toBe(records);
    expect(run?.hops.export?.clickstream?.state).toBe("succeeded");
  });

  it("answers 422 to an event the hop refuses, and records the refusal in the ledger", async () => {
    const generated = await post(`${server.url}/generate`, { source: "clickstream", date: DATE, scale: 300 });
    const { event } = (await generated.json()) as { event: Record<string, unknown> };
    const refused = await post(`${server.url}/export`, {
      ...event,
      record_count: Number(event.record_count) + 1,
    });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ outcome: "rejected", reason: "count-mismatch" });
    const run = await platform.deps.ledger.get(DATE);
    expect(run?.hops.export?.clickstream).toMatchObject({
      state: "rejected",
      error: { reason: "count-mismatch" },
    });
  });

  it("answers 404 naming the function for a path that is no function", async () => {
    const response = await post(`${server.url}/exports`, {});
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toContain('no function named "exports"');
  });

  it("answers 404 for a function of the topology the server was started without", async () => {
    const partial = await startHopServer(platform.deps, { hops: [] });
    try {
      expect(partial.served).toEqual(["generate"]);
      expect(partial.missing).toContain("export");
      const response = await post(`${partial.url}/export`, {});
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: string }).error).toContain(
        "export is in the topology but this server was started without it",
      );
    } finally {
      await partial.close();
    }
  });

  it("keeps two servers in one process on their own platforms", async () => {
    const other = await openTestPlatform();
    const otherServer = await startHopServer(other.deps);
    try {
      // The first server was built before the second: it must still write to its own platform.
      expect(
        (await post(`${server.url}/generate`, { source: "clickstream", date: DATE, scale: 300 })).status,
      ).toBe(200);
      expect(await platform.deps.ledger.get(DATE)).toBeDefined();
      expect(await other.deps.ledger.get(DATE)).toBeUndefined();
    } finally {
      await otherServer.close();
      await other.dispose();
    }
  });

  it("stops listening when closed", async () => {
    const { url } = server;
    await server.close();
    await expect(fetch(`${url}/`)).rejects.toThrow();
    server = await startHopServer(platform.deps);
  });
});
