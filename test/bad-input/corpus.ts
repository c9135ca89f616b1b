/**
 * The bad-input corpus: malformed events, each aimed at the hop that consumes its topic, with the
 * reason it must be refused for and the words its error must contain (the offending field, path or
 * value). Generated from one valid event per hop by table-driven mutations, plus the hostile strings
 * of fixtures/hostile-strings.json in every identifier an event carries.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type EventsByType, type EventType, makeEvent } from "../../lib/contracts/events.ts";
import type { PermanentReason } from "../../lib/errors.ts";

/** A date no other test of the chain uses, so corpus ledger entries stand apart. */
export const CORPUS_DATE = "2026-10-15";
const PRODUCED_AT = new Date("2026-10-15T06:00:00Z");

export interface HopTarget {
  hop: string;
  topic: string;
  consumes: EventType;
}

export const TARGETS: readonly HopTarget[] = [
  { hop: "export", topic: "batch-landed", consumes: "batch.landed" },
  { hop: "dataform-invoke", topic: "bronze-ready", consumes: "bronze.ready" },
  { hop: "dataform-poll", topic: "dataform-invoked", consumes: "dataform.invoked" },
  { hop: "vertex-submit", topic: "dataform-completed", consumes: "dataform.completed" },
  { hop: "vertex-poll", topic: "vertex-submitted", consumes: "vertex.submitted" },
  { hop: "predictions-load", topic: "predictions-ready", consumes: "predictions.ready" },
];

export interface BadInput {
  /** Unique and readable: `<hop>: <what is wrong>`. */
  name: string;
  hop: string;
  topic: string;
  /** The Pub/Sub message data. */
  data: Buffer;
  attributes: Record<string, string>;
  reason: PermanentReason;
  /** Each must appear in the error message: the field, path or value at fault. */
  mentions: string[];
}

const hostileFile = path.join(import.meta.dirname, "fixtures", "hostile-strings.json");

/** Hostile strings by name (SQL and path injection, unicode edge cases), from the JSON fixture. */
export function hostileStrings(): Record<string, string> {
  return (JSON.parse(readFileSync(hostileFile, "utf8")) as { strings: Record<string, string> }).strings;
}

const D = CORPUS_DATE;
const WAREHOUSE_BATCH = `warehouse-${D}-5e5e5e5e`;
const CHURN_BATCH = `churn-${D}-6f6f6f6f`;
const INVOCATION =
  "projects/local/locations/local/repositories/winter-days/workflowInvocations/0b6f7a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
const PIPELINE_JOB = `projects/local/locations/local/pipelineJobs/${CHURN_BATCH}`;

/** One valid event per hop; the mutations start from these. */
export function validEvents(lakeBucket: string): { [T in EventType]?: EventsByType[T] } {
  return {
    "batch.landed": makeEvent(
      "batch.landed",
      {
        source: "clickstream",
        batch_date: D,
        batch_id: `clickstream-${D}-0a1b2c3d`,
        location: `gs://${lakeBucket}/clickstream/batch_date=${D}/`,
        record_count: 3,
        producer: "generate",
        record_schema: "clickstream.v2.0.0",
        seed: 7,
      },
      PRODUCED_AT,
    ),
    "bronze.ready": makeEvent(
      "bronze.ready",
      {
        source: "sales",
        batch_date: D,
        batch_id: `sales-${D}-1b2c3d4e`,
        location: `gs://${lakeBucket}/sales/batch_date=${D}/`,
        record_count: 3,
        producer: "export",
        record_schema: "sales.v2.0.0",
        objects: [`gs://${lakeBucket}/sales/batch_date=${D}/part-00000.parquet`],
      },
      PRODUCED_AT,
    ),
    "dataform.invoked": makeEvent(
      "dataform.invoked",
      {
        source: "warehouse",
        batch_date: D,
        batch_id: WAREHOUSE_BATCH,
        location: INVOCATION,
        record_count: 0,
        producer: "dataform-invoke",
        compilation_result:
          "projects/local/locations/local/repositories/winter-days/compilationResults/0b6f7a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5c",
        workflow_invocation: INVOCATION,
        source_batches: { sales: `sales-${D}-1b2c3d4e`, clickstream: `clickstream-${D}-0a1b2c3d` },
      },
      PRODUCED_AT,
    ),
    "dataform.completed": makeEvent(
      "dataform.completed",
      {
        source: "warehouse",
        batch_date: D,
        batch_id: WAREHOUSE_BATCH,
        location: INVOCATION,
        record_count: 10,
        producer: "dataform-poll",
        workflow_invocation: INVOCATION,
      },
      PRODUCED_AT,
    ),
    "vertex.submitted": makeEvent(
      "vertex.submitted",
      {
        source: "churn",
        batch_date: D,
        batch_id: CHURN_BATCH,
        location: PIPELINE_JOB,
        record_count: 0,
        producer: "vertex-submit",
        pipeline_job: PIPELINE_JOB,
      },
      PRODUCED_AT,
    ),
    "predictions.ready": makeEvent(
      "predictions.ready",
      {
        source: "churn",
        batch_date: D,
        batch_id: CHURN_BATCH,
        location: `gs://${lakeBucket}/mlops/predictions/batch_date=${D}/${CHURN_BATCH}/`,
        record_count: 5,
        producer: "vertex-poll",
        pipeline_job: PIPELINE_JOB,
        model_version: "churn-logreg-2026-10-15-abc123",
      },
      PRODUCED_AT,
    ),
  };
}

type Json = Record<string, unknown>;

/** A value as a case name shows it: JSON, cut short. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length} characters)` : text;
}

/** A value of another JSON type than `value`'s. */
function wrongType(value: unknown): unknown {
  if (typeof value === "string") return 42;
  if (typeof value === "number") return String(value);
  if (Array.isArray(value)) return { first: value[0] };
  if (typeof value === "object" && value !== null) return [value];
  return "not-a-boolean";
}

/** Where a problem with field `field` is reported: the two routing fields have reasons of their own. */
function expectation(field: string, message: string): Pick<BadInput, "reason" | "mentions"> {
  if (field === "event_type") return { reason: "unknown-event-type", mentions: ["event_type"] };
  if (field === "schema_version") return { reason: "unknown-version", mentions: ["schema_version"] };
  return { reason: "schema-violation", mentions: [message] };
}

const INVALID_DATES = [
  "2026-02-30",
  "2026-02-29",
  "2026-13-01",
  "2026-00-10",
  "2026-11-31",
  "yesterday",
  "today",
  "20261015",
  "2026/10/15",
  "2026-10-15T06:00:00Z",
  "",
  "0000-00-00",
];

const UNKNOWN_VERSIONS: unknown[] = ["2.0.0", "0.9.0", "1.0", "1.0.0-beta", "v1.0.0", "1.0.0 ", 1, null];

const UNKNOWN_TYPES: unknown[] = [
  "batch.exploded",
  "BATCH.LANDED",
  "batch.landed ",
  "batch_landed",
  7,
  null,
  // Quoted in the error, which becomes a dead-letter attribute: at most 1024 bytes of valid UTF-8.
  "🎄".repeat(600),
];

/** Data that is not a JSON document at all. */
const NOT_JSON: Array<[string, Buffer]> = [
  ["plain text", Buffer.from("this is not an event")],
  ["truncated JSON", Buffer.from('{"event_type": "batch.landed", "schema_version": "1.0.0"')],
  ["JSON with a trailing comma", Buffer.from('{"event_type": "batch.landed",}')],
  ["single-quoted JSON", Buffer.from("{'event_type': 'batch.landed'}")],
  ["XML", Buffer.from("<event><type>batch.landed</type></event>")],
  ["invalid UTF-8", Buffer.from([0xff, 0xfe, 0xfd, 0x7b, 0x7d])],
  ["NUL bytes", Buffer.from([0, 0, 0, 0])],
  ["a SQL statement", Buffer.from("'; DROP TABLE winter_days_warehouse.fct_sales; --")],
  ["NaN literal", Buffer.from('{"record_count": NaN}')],
];

/** Data that is JSON, but not an object at the root. */
const NOT_OBJECTS: Array<[string, string]> = [
  ["a JSON array", "[]"],
  ["an array holding the event", "[EVENT]"],
  ["a JSON number", "42"],
  ["a JSON string", '"batch.landed"'],
  ["JSON null", "null"],
  ["JSON true", "true"],
  ["an array nested 50,000 deep", `${"[".repeat(50_000)}${"]".repeat(50_000)}`],
];

function message(
  target: HopTarget,
  name: string,
  value: unknown,
  expected: Omit<BadInput, "name" | "hop" | "topic" | "data" | "attributes">,
): BadInput {
  return {
    name: `${target.hop}: ${name}`,
    hop: target.hop,
    topic: target.topic,
    data: Buffer.isBuffer(value)
      ? value
      : Buffer.from(typeof value === "string" ? value : JSON.stringify(value)),
    attributes: { event_type: target.consumes },
    ...expected,
  };
}

/**
 * Every malformed event of the corpus. `lakeBucket` is the deployment's lake, so that object names in
 * it are wrong only where a case means them to be.
 */
export function badInputCorpus(lakeBucket: string): BadInput[] {
  const valid = validEvents(lakeBucket);
  const hostile = hostileStrings();
  const cases: BadInput[] = [];
  for (const target of TARGETS) {
    const base = valid[target.consumes] as unknown as Json;
    const add = (name: string, value: unknown, expected: Pick<BadInput, "reason" | "mentions">) =>
      cases.push(message(target, name, value, expected));

    for (const field of Object.keys(base)) {
      const { [field]: _dropped, ...without } = base;
      // The generator's seed is the one optional field: leaving it out is allowed.
      if (field !== "seed") {
        add(`missing ${field}`, without, expectation(field, `missing required property "${field}"`));
      }
      add(
        `${field} of the wrong type`,
        { ...base, [field]: wrongType(base[field]) },
        expectation(field, `/${field}`),
      );
      if (field !== "event_type" && field !== "schema_version") {
        add(`${field} null`, { ...base, [field]: null }, expectation(field, `/${field}`));
      }
    }
    add(
      "an extra field",
      { ...base, injected_field: "'; DROP TABLE x; --" },
      {
        reason: "schema-violation",
        mentions: ['unexpected property "injected_field"'],
      },
    );
    for (const date of INVALID_DATES) {
      add(
        `batch_date ${shown(date)}`,
        { ...base, batch_date: date },
        {
          reason: "schema-violation",
          mentions: ["/batch_date"],
        },
      );
    }
    for (const version of UNKNOWN_VERSIONS) {
      add(
        `schema_version ${shown(version)}`,
        { ...base, schema_version: version },
        {
          reason: "unknown-version",
          mentions: ["schema_version", JSON.stringify(version)],
        },
      );
    }
    for (const type of UNKNOWN_TYPES) {
      add(
        `event_type ${shown(type)}`,
        { ...base, event_type: type },
        {
          reason: "unknown-event-type",
          mentions: ["event_type"],
        },
      );
    }
    for (const other of TARGETS.filter((t) => t.consumes !== target.consumes)) {
      add(`a ${other.consumes} event (another hop's)`, valid[other.consumes], {
        reason: "unknown-event-type",
        mentions: [`consumes ${target.consumes}, not ${other.consumes}`],
      });
    }
    for (const [name, data] of NOT_JSON) {
      add(name, data, { reason: "malformed-message", mentions: ["data is not JSON"] });
    }
    for (const [name, text] of NOT_OBJECTS) {
      add(name, text.replace("EVENT", JSON.stringify(base)), {
        reason: "schema-violation",
        mentions: ["(root): must be a JSON object"],
      });
    }
    // The batch id is every hop's key (ledger, documents, object metadata, job ids).
    for (const [name, value] of Object.entries(hostile)) {
      add(
        `batch_id ${name}`,
        { ...base, batch_id: value },
        { reason: "schema-violation", mentions: ["/batch_id"] },
      );
    }
    // A well-formed batch id that names a batch of another source or another date.
    const otherSource = target.consumes === "batch.landed" ? "sales" : "clickstream";
    add(
      "batch_id of another source",
      { ...base, batch_id: `${otherSource}-${D}-0a1b2c3d` },
      {
        reason: "schema-violation",
        mentions: ["/batch_id", `${otherSource}-${D}-0a1b2c3d`],
      },
    );
    add(
      "batch_id of another date",
      { ...base, batch_id: `${String(base.source)}-2026-10-16-0a1b2c3d` },
      {
        reason: "schema-violation",
        mentions: ["/batch_id", "2026-10-16"],
      },
    );
    add(
      "duplicated key batch_id, the last one hostile",
      duplicateKey(base, "batch_id", hostile["sql-drop-table"] ?? ""),
      {
        reason: "schema-violation",
        mentions: ["/batch_id"],
      },
    );
    add(
      "5 MB of data",
      { ...base, padding: "x".repeat(5 * 1024 * 1024) },
      {
        reason: "malformed-message",
        mentions: ["bytes", "at most"],
      },
    );
    add(
      "a 5 MB location",
      { ...base, location: `gs://${lakeBucket}/${"a/".repeat(2.5 * 1024 * 1024)}` },
      {
        reason: "malformed-message",
        mentions: ["bytes"],
      },
    );
    add(
      "a 10,000-element array in an extra field",
      { ...base, extra: Array.from({ length: 10_000 }, (_, i) => i) },
      {
        reason: "schema-violation",
        mentions: ['unexpected property "extra"'],
      },
    );
    add(
      "record_count negative",
      { ...base, record_count: -1 },
      { reason: "schema-violation", mentions: ["/record_count"] },
    );
    add(
      "record_count fractional",
      { ...base, record_count: 1.5 },
      {
        reason: "schema-violation",
        mentions: ["/record_count"],
      },
    );
    add("record_count beyond any integer", `${JSON.stringify(base).slice(0, -1)},"record_count":1e400}`, {
      reason: "schema-violation",
      mentions: ["/record_count"],
    });
    add(
      "produced_at not a time",
      { ...base, produced_at: "yesterday" },
      {
        reason: "schema-violation",
        mentions: ["/produced_at"],
      },
    );
    add(
      "producer with a path",
      { ...base, producer: "../../bin/sh" },
      {
        reason: "schema-violation",
        mentions: ["/producer"],
      },
    );
  }
  cases.push(...identifierCases(lakeBucket, valid, hostile), ...hugeArrays(valid));
  return cases;
}

/** 10,000-element arrays and maps where a hop expects a few items: every offending item is named. */
function hugeArrays(valid: ReturnType<typeof validEvents>): BadInput[] {
  const many = Array.from({ length: 10_000 }, (_, i) => i);
  const target = (hop: string) => TARGETS.find((t) => t.hop === hop) as HopTarget;
  return [
    message(
      target("dataform-invoke"),
      "10,000 objects that are not strings",
      { ...valid["bronze.ready"], objects: many },
      {
        reason: "schema-violation",
        // The first problems are named, the rest counted: 10,000 paths would only bloat the logs.
        mentions: ["/objects/0", "/objects/19", "and 9980 more"],
      },
    ),
    message(
      target("dataform-poll"),
      "10,000 source batches that are not strings",
      { ...valid["dataform.invoked"], source_batches: Object.fromEntries(many.map((i) => [`s${i}`, i])) },
      {
        reason: "schema-violation",
        mentions: ["/source_batches/s0", "/source_batches/s19", "and 9980 more"],
      },
    ),
  ];
}

/** JSON text of `base` with `key` given twice, the second time as `value` (JSON.parse keeps the last). */
function duplicateKey(base: Json, key: string, value: string): string {
  return `${JSON.stringify(base).slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value)}}`;
}

/**
 * Hostile strings in the identifiers hops hand to a path, a job or the warehouse: the source, the
 * Dataform workflow invocation, the Vertex AI pipeline job, the predictions location, the bronze
 * object list.
 */
function identifierCases(
  lakeBucket: string,
  valid: ReturnType<typeof validEvents>,
  hostile: Record<string, string>,
): BadInput[] {
  const cases: BadInput[] = [];
  const target = (hop: string) => TARGETS.find((t) => t.hop === hop) as HopTarget;
  const pathLike = Object.entries(hostile).filter(([name]) => /^(path|url|sql|nul|shell)/.test(name));
  for (const [name, value] of pathLike) {
    cases.push(
      message(
        target("export"),
        `source ${name}`,
        { ...valid["batch.landed"], source: value },
        {
          reason: "schema-violation",
          mentions: ["/source"],
        },
      ),
      message(
        target("dataform-poll"),
        `workflow_invocation ${name}`,
        { ...valid["dataform.invoked"], workflow_invocation: value, location: value || "x" },
        value === ""
          ? { reason: "schema-violation", mentions: ["/workflow_invocation"] }
          : { reason: "invalid-identifier", mentions: ["workflow_invocation", JSON.stringify(value)] },
      ),
      message(
        target("vertex-poll"),
        `pipeline_job ${name}`,
        { ...valid["vertex.submitted"], pipeline_job: value, location: value || "x" },
        value === ""
          ? { reason: "schema-violation", mentions: ["/pipeline_job"] }
          : { reason: "invalid-identifier", mentions: ["pipeline_job", JSON.stringify(value)] },
      ),
    );
  }
  const prefix = `gs://${lakeBucket}/mlops/predictions/batch_date=${CORPUS_DATE}/`;
  const locations: Array<[string, string]> = [
    ["a traversal out of the lake", `${prefix}../../../../etc/`],
    ["a traversal to the sales bronze", `${prefix}../../../sales/`],
    ["an absolute path", `gs://${lakeBucket}//etc/passwd/`],
    ["a backslash path", `${prefix}..\\..\\x/`],
    ["a NUL byte", `${prefix}job\u0000/`],
    ["a dot segment", `${prefix}./job/`],
    ["another bucket", "gs://someone-elses-bucket/mlops/predictions/"],
    ["a bucket with a traversal", "gs://../etc/"],
    ["a file URI", "file:///etc/passwd"],
    ["a local path", "/tmp/winter-days-pwned/"],
    ["an http URL", "http://169.254.169.254/computeMetadata/v1/"],
    ["another date's predictions", `gs://${lakeBucket}/mlops/predictions/batch_date=2026-10-16/x/`],
  ];
  for (const [name, location] of locations) {
    cases.push(
      message(
        target("predictions-load"),
        `location ${name}`,
        { ...valid["predictions.ready"], location },
        {
          reason: "invalid-identifier",
          mentions: [JSON.stringify(location)],
        },
      ),
    );
  }
  return cases;
}
