import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeEvent } from "../../../lib/contracts/events.ts";
import { PermanentError, TransientError } from "../../../lib/errors.ts";
import { deliver, FAILURE_ATTRIBUTES, type Hop, type HopOutcome } from "../../../lib/hop.ts";
import { batchLanded, cloudEventOf } from "../../support/events.ts";
import { openTestPlatform, type TestPlatform } from "../../support/local-platform.ts";

/** A hop named like the export function, so it uses the export subscription's dead-letter topic. */
function hopThat(handle: Hop<"batch.landed">["handle"]): Hop<"batch.landed"> {
  return { name: "export", consumes: "batch.landed", handle };
}

const announce = (): HopOutcome => ({
  rowsOut: 3,
  publish: [
    makeEvent("bronze.ready", {
      source: "clickstream",
      batch_date: "2026-11-20",
      batch_id: "clickstream-2026-11-20-0a1b2c3d",
      location: "gs://lake/clickstream/batch_date=2026-11-20/",
      record_count: 3,
      producer: "export",
      record_schema: "clickstream.v2.0.0",
      objects: [],
    }),
  ],
});

describe("deliver: the outcome of a hop decides the fate of its message", () => {
  let platform: TestPlatform;
  beforeEach(async () => {
    platform = await openTestPlatform();
  });
  afterEach(async () => {
    await platform.dispose();
  });

  const deadLetters = () => platform.broker.peek("export-dead-letter-keep", 10);

  it("publishes the hop's events and records success", async () => {
    await deliver(
      hopThat(async () => announce()),
      cloudEventOf(batchLanded()),
      platform.deps,
    );
    const next = await platform.broker.pull("dataform-invoke", 10);
    expect(next).toHaveLength(1);
    expect(JSON.parse(next[0]?.data.toString() ?? "{}")).toMatchObject({
      event_type: "bronze.ready",
      record_count: 3,
    });
    expect(next[0]?.attributes).toMatchObject({ event_type: "bronze.ready", batch_date: "2026-11-20" });
    const run = await platform.deps.ledger.get("2026-11-20");
    expect(run?.hops.export?.clickstream).toMatchObject({ state: "succeeded", rows_out: 3 });
  });

  it("dead-letters a permanent failure with its reason, keeps the data intact, and acknowledges", async () => {
    const event = cloudEventOf(batchLanded(), { attributes: { event_type: "batch.landed" } });
    const outcome = await deliver(
      hopThat(async () => {
        throw new PermanentError("count-mismatch", "announced 3 records, found 2");
      }),
      event,
      platform.deps,
    );
    expect(outcome).toMatchObject({ outcome: "dead-lettered", reason: "count-mismatch" });
    const [letter] = deadLetters();
    expect(letter?.data.toString("base64")).toBe(event.data?.message.data);
    expect(letter?.attributes).toMatchObject({
      event_type: "batch.landed",
      CloudPubSubDeadLetterSourceSubscription: "export",
      [FAILURE_ATTRIBUTES.reason]: "count-mismatch",
      [FAILURE_ATTRIBUTES.hop]: "export",
      [FAILURE_ATTRIBUTES.errorClass]: "PermanentError",
    });
    const run = await platform.deps.ledger.get("2026-11-20");
    expect(run?.hops.export?.clickstream).toMatchObject({
      state: "dead-lettered",
      error: { reason: "count-mismatch", message: "announced 3 records, found 2" },
    });
  });

  it("rethrows a transient failure so the subscription retries, and records it", async () => {
    const failing = hopThat(async () => {
      throw new TransientError("warehouse unavailable");
    });
    await expect(
      deliver(failing, cloudEventOf(batchLanded(), { attempt: 2 }), platform.deps),
    ).rejects.toThrow("warehouse unavailable");
    expect(deadLetters()).toHaveLength(0);
    const run = await platform.deps.ledger.get("2026-11-20");
    expect(run?.hops.export?.clickstream).toMatchObject({ state: "retrying", attempts: 2 });
  });

  it.each([
    ["data that is not JSON", "{not json", "malformed-message"],
    ["an event that fails its schema", { ...batchLanded(), record_count: -1 }, "schema-violation"],
    ["an unknown schema version", { ...batchLanded(), schema_version: "9.0.0" }, "unknown-version"],
    ["an event of another type", { ...announce().publish[0] }, "unknown-event-type"],
  ])("dead-letters %s without calling the hop", async (_label, data, reason) => {
    let called = false;
    const hop = hopThat(async () => {
      called = true;
      return announce();
    });
    await deliver(hop, cloudEventOf(data as object), platform.deps);
    expect(called).toBe(false);
    expect(deadLetters()[0]?.attributes[FAILURE_ATTRIBUTES.reason]).toBe(reason);
  });

  it("acknowledges a redelivery of a message it already handled without running or publishing again", async () => {
    let runs = 0;
    const hop = hopThat(async () => {
      runs++;
      return announce();
    });
    const message = cloudEventOf(batchLanded());
    await deliver(hop, message, platform.deps);
    await deliver(hop, message, platform.deps);
    expect(runs).toBe(1);
    expect(await platform.broker.pull("dataform-invoke", 10)).toHaveLength(1);
  });

  it("never turns a batch that succeeded back into a failure on a late duplicate", async () => {
    await deliver(
      hopThat(async () => announce()),
      cloudEventOf(batchLanded()),
      platform.deps,
    );
    await expect(
      deliver(
        hopThat(async () => {
          throw new TransientError("late duplicate hit an outage");
        }),
        cloudEventOf(batchLanded()),
        platform.deps,
      ),
    ).rejects.toThrow();
    const run = await platform.deps.ledger.get("2026-11-20");
    expect(run?.hops.export?.clickstream).toMatchObject({ state: "succeeded", duplicate_deliveries: 1 });
  });
});
