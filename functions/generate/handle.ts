import { batchIdFor } from "../../generators/batch-id.ts";
import { generateClickstream } from "../../generators/clickstream.ts";
import { toJsonlParts } from "../../generators/jsonl.ts";
import { generateSales } from "../../generators/sales.ts";
import { parseScale, type Scale } from "../../generators/scale.ts";
import { generateStartups, isStartupsDay } from "../../generators/startups.ts";
import { churnTruth } from "../../generators/truth.ts";
import { BRONZE_METADATA, bronzePrefix, partName, truthObjectName } from "../../lib/bronze.ts";
import { type BatchLanded, makeEvent } from "../../lib/contracts/events.ts";
import { RECORD_SCHEMAS, type RecordsBySource, SOURCES, type Source } from "../../lib/contracts/records.ts";
import { PermanentError } from "../../lib/errors.ts";
import { type HopDeps, publishEvents } from "../../lib/hop.ts";
import { gsUri } from "../../lib/ports/objects.ts";

export interface GenerateRequest {
  source: Source;
  date: string;
  seed: number;
  scale: Scale;
  /**
   * Publish batch.landed (default). The backfill workflow passes false: it hands the event to the
   * export hop itself, and a published copy would run the chain a second time.
   */
  publish?: boolean;
}

export interface GenerateResult {
  event: BatchLanded;
  records: number;
}

const ROWS_PER_PART = 1_000_000;
const TRUTH_HORIZON_DAYS = 30;

/** Checks a request from the scheduler, the CLI or a workflow; every problem names its field. */
export function parseGenerateRequest(body: unknown, today: () => Date = () => new Date()): GenerateRequest {
  if (typeof body !== "object" || body === null)
    throw new PermanentError("schema-violation", "request body must be a JSON object");
  const { source, date, seed, scale, publish } = body as Record<string, unknown>;
  if (!SOURCES.includes(source as Source)) {
    throw new PermanentError(
      "schema-violation",
      `source must be one of ${SOURCES.join(", ")}; got ${JSON.stringify(source)}`,
    );
  }
  const resolvedDate = date === undefined || date === "today" ? today().toISOString().slice(0, 10) : date;
  if (
    typeof resolvedDate !== "string" ||
    !/^\d{4}-\d{2}-\d{2}$/.test(resolvedDate) ||
    Number.isNaN(Date.parse(resolvedDate))
  ) {
    throw new PermanentError(
      "schema-violation",
      `date must be YYYY-MM-DD or "today"; got ${JSON.stringify(date)}`,
    );
  }
  if (new Date(`${resolvedDate}T00:00:00Z`).toISOString().slice(0, 10) !== resolvedDate) {
    throw new PermanentError("schema-violation", `date ${resolvedDate} does not exist`);
  }
  if (seed !== undefined && !Number.isSafeInteger(seed)) {
    throw new PermanentError("schema-violation", `seed must be an integer; got ${JSON.stringify(seed)}`);
  }
  let parsedScale: Scale;
  try {
    parsedScale = parseScale(String(scale ?? "small"));
  } catch (error) {
    throw new PermanentError("schema-violation", `scale: ${(error as Error).message}`);
  }
  if (publish !== undefined && typeof publish !== "boolean") {
    throw new PermanentError(
      "schema-violation",
      `publish must be true or false; got ${JSON.stringify(publish)}`,
    );
  }
  return {
    source: source as Source,
    date: resolvedDate,
    seed: (seed as number | undefined) ?? 42,
    scale: parsedScale,
    ...(publish === undefined ? {} : { publish }),
  };
}

/** Validates every record before it is written: nothing invalid ever reaches the landing zone. */
async function* validated<S extends Source>(
  deps: HopDeps,
  source: S,
  pages: AsyncIterable<Array<RecordsBySource[S]>>,
  counter: { n: number },
): AsyncGenerator<Array<RecordsBySource[S]>> {
  for await (const page of pages) {
    for (const record of page)
      deps.contracts.record(source, record, `generated ${source} record ${counter.n++}`);
    yield page;
  }
}

async function landSales(deps: HopDeps, request: GenerateRequest): Promise<number> {
  const counter = { n: 0 };
  for await (const page of validated(deps, "sales", generateSales(request), counter)) {
    await deps.documents.setMany(
      deps.config.salesCollection,
      page.map((record) => ({ id: record.sale_id, data: record as unknown as Record<string, unknown> })),
    );
  }
  // The planted truth travels with the sales batch: it is what the churn model is measured against.
  const truth = churnTruth({ ...request, horizonDays: TRUTH_HORIZON_DAYS });
  const lines: string[] = [];
  for await (const row of truth) lines.push(JSON.stringify(row));
  await deps.objects.write(deps.config.lakeBucket, truthObjectName(request.date), `${lines.join("\n")}\n`, {
    contentType: "application/x-ndjson",
  });
  return counter.n;
}

async function landJsonl(deps: HopDeps, request: GenerateRequest, batchId: string): Promise<number> {
  const source = request.source as "clickstream" | "startups";
  const counter = { n: 0 };
  const pages = source === "clickstream" ? generateClickstream(request) : generateStartups(request);
  const written = new Set<string>();
  for await (const part of toJsonlParts(validated(deps, source, pages, counter), {
    rowsPerPart: ROWS_PER_PART,
  })) {
    const name = partName(source, request.date, part.part, "jsonl");
    await deps.objects.write(deps.config.lakeBucket, name, part.body, {
      contentType: "application/x-ndjson",
      metadata: { [BRONZE_METADATA.batchId]: batchId, rows: String(part.rows) },
    });
    written.add(name);
  }
  // Parts left over from an earlier, larger batch of the same date would be counted twice.
  for (const stale of await deps.objects.list(deps.config.lakeBucket, bronzePrefix(source, request.date))) {
    if (!written.has(stale.name)) await deps.objects.delete(deps.config.lakeBucket, stale.name);
  }
  return counter.n;
}

/**
 * Generates and lands one batch, records it in the run ledger and publishes batch.landed.
 * Deterministic ids and object names make a repeat rewrite the same batch, never a second one.
 */
export async function generateBatch(deps: HopDeps, request: GenerateRequest): Promise<GenerateResult> {
  const batchId = batchIdFor(request.source, request.date, request.seed, request.scale);
  const log = deps.log.child({
    hop: "generate",
    source: request.source,
    batch_date: request.date,
    batch_id: batchId,
  });
  const started = deps.now();
  const records =
    request.source === "sales" ? await landSales(deps, request) : await landJsonl(deps, request, batchId);
  const location =
    request.source === "sales"
      ? `firestore://${deps.config.firestoreDatabase}/${deps.config.salesCollection}`
      : gsUri(deps.config.lakeBucket, bronzePrefix(request.source, request.date));
  await deps.ledger.recordSource(request.date, request.source, {
    batch_id: batchId,
    generated: records,
    landed: records,
    location,
    landed_at: deps.now().toISOString(),
  });
  const event = makeEvent(
    "batch.landed",
    {
      source: request.source,
      batch_date: request.date,
      batch_id: batchId,
      location,
      record_count: records,
      producer: "generate",
      record_schema: RECORD_SCHEMAS[request.source].name,
      seed: request.seed,
    },
    deps.now(),
  );
  if (request.publish !== false) await publishEvents(deps, [event]);
  log.info("batch landed", {
    outcome: "succeeded",
    rows_out: records,
    layer: "landing",
    duration_ms: deps.now().getTime() - started.getTime(),
  });
  return { event, records };
}

/** Sources due on a date: sales and clickstream daily, startups weekly. */
export function sourcesDue(date: string): Source[] {
  return SOURCES.filter((source) => source !== "startups" || isStartupsDay(date));
}
