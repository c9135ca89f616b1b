import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { makeEvent } from "../../../lib/contracts/events.ts";
import { renderSchemaTypes } from "../../../lib/contracts/render-types.ts";
import { Contracts } from "../../../lib/contracts/validator.ts";
import { PermanentError, SchemaViolation } from "../../../lib/errors.ts";

const generatedDir = fileURLToPath(new URL("../../../lib/contracts/generated/", import.meta.url));

describe("schemas and generated types", () => {
  it("keeps lib/contracts/generated in step with schemas/ (run npm run gen:types)", async () => {
    for (const [file, source] of await renderSchemaTypes()) {
      expect(readFileSync(`${generatedDir}${file}`, "utf8"), file).toBe(source);
    }
  });
});

describe("event validation", () => {
  const contracts = new Contracts();
  const landed = makeEvent("batch.landed", {
    source: "clickstream",
    batch_date: "2026-11-26",
    batch_id: "clickstream-2026-11-26-0a1b2c3d",
    location: "gs://lake/clickstream/batch_date=2026-11-26/",
    record_count: 10,
    producer: "generate",
    record_schema: "clickstream.v2.0.0",
  });

  it("accepts a well-formed event", () => {
    expect(contracts.event(landed, "test")).toEqual(landed);
  });

  it.each([
    ["a wrong type", { ...landed, record_count: "10" }, "/record_count: must be integer"],
    ["a missing field", { ...landed, batch_id: undefined }, 'missing required property "batch_id"'],
    ["an extra field", { ...landed, sql: "DROP TABLE x" }, 'unexpected property "sql"'],
    ["an invalid date", { ...landed, batch_date: "2026-13-45" }, "/batch_date"],
    ["a batch id with a path", { ...landed, batch_id: "../../etc/passwd" }, "/batch_id"],
  ])("names the offending path for %s", (_label, value, expected) => {
    const clean = JSON.parse(JSON.stringify(value));
    expect(() => contracts.event(clean, "message 42")).toThrow(SchemaViolation);
    expect(() => contracts.event(clean, "message 42")).toThrow(expected);
  });

  it("refuses an unknown schema version with its own reason", () => {
    const future = { ...landed, schema_version: "2.0.0" };
    expect(() => contracts.event(future, "m")).toThrow(PermanentError);
    try {
      contracts.event(future, "m");
    } catch (error) {
      expect((error as PermanentError).reason).toBe("unknown-version");
    }
  });

  it("refuses an unknown event type", () => {
    expect(() => contracts.event({ ...landed, event_type: "batch.vanished" }, "m")).toThrow(
      /unknown event_type/,
    );
  });
});
