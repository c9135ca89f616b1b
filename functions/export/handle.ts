import { BRONZE_METADATA, bronzePrefix, partName } from "../../lib/bronze.ts";
import { type BatchLanded, makeEvent } from "../../lib/contracts/events.ts";
import { RECORD_SCHEMAS, type SalesRecord, type Source } from "../../lib/contracts/records.ts";
import { countLines } from "../../lib/count-lines.ts";
import { PermanentError, TransientError } from "../../lib/errors.ts";
import type { Hop, HopContext, HopOutcome } from "../../lib/hop.ts";
import { parquetChunks } from "../../lib/parquet.ts";
import { DOCUMENT_ID } from "../../lib/ports/documents.ts";
import { gsUri, type ObjectInfo } from "../../lib/ports/objects.ts";
import { SALES_PARQUET_COLUMNS } from "./sales-parquet.ts";

/** Firestore page size: large enough to amortise round trips, small enough to bound memory. */
const PAGE_SIZE = 5000;

/** Rows per Parquet row group: bounds the export's memory (one row group is held while encoding). */
const ROW_GROUP_ROWS = 25_000;

/** Streams one batch's sales documents in document-id order, validating each on the way. */
async function* salesPages(event: BatchLanded, ctx: HopContext): AsyncGenerator<SalesRecord[]> {
  const { documents, config, contracts } = ctx.deps;
  let cursor: string | undefined;
  for (;;) {
    const page = await documents.query<SalesRecord & Record<string, unknown>>(config.salesCollection, {
      where: [["batch_id", "==", event.batch_id]],
      orderBy: [[DOCUMENT_ID, "asc"]],
      ...(cursor === undefined ? {} : { startAfter: [cursor] }),
      limit: PAGE_SIZE,
    });
    if (page.length === 0) return;
    yield page.map((doc) => contracts.record("sales", doc.data, `${config.salesCollection}/${doc.id}`));
    cursor = page[page.length - 1]?.id;
    if (page.length < PAGE_SIZE) return;
  }
}

function bronzeReady(event: BatchLanded, ctx: HopContext, objects: ObjectInfo[], count: number): HopOutcome {
  const { config } = ctx.deps;
  const uris = objects.map((o) => gsUri(o.bucket, o.name));
  return {
    rowsIn: event.record_count,
    rowsOut: count,
    details: { objects: uris },
    publish: [
      makeEvent(
        "bronze.ready",
        {
          source: event.source,
          batch_date: event.batch_date,
          batch_id: event.batch_id,
          location: gsUri(config.lakeBucket, bronzePrefix(event.source, event.batch_date)),
          record_count: count,
          producer: "export",
          record_schema: RECORD_SCHEMAS[event.source].name,
          objects: uris,
        },
        ctx.deps.now(),
      ),
    ],
  };
}

async function exportSales(event: BatchLanded, ctx: HopContext): Promise<HopOutcome> {
  const { objects, config } = ctx.deps;
  const name = partName("sales", event.batch_date, 0, "parquet");
  const existing = await objects.stat(config.lakeBucket, name);
  // A repeated delivery finds its own finished file and only re-announces it.
  if (
    existing?.metadata[BRONZE_METADATA.batchId] === event.batch_id &&
    Number(existing.metadata[BRONZE_METADATA.recordCount]) === event.record_count
  ) {
    ctx.log.info("sales batch already in bronze; announcing it again", { object: name });
    return bronzeReady(event, ctx, [existing], event.record_count);
  }
  let count = 0;
  const counted = async function* () {
    for await (const page of salesPages(event, ctx)) {
      count += page.length;
      yield page;
    }
  };
  // Metadata announces the expected count; a short batch deletes the file again rather than leave it.
  const info = await objects.write(
    config.lakeBucket,
    name,
    parquetChunks(counted(), SALES_PARQUET_COLUMNS, { rowGroupRows: ROW_GROUP_ROWS }),
    {
      contentType: "application/vnd.apache.parquet",
      metadata: {
        [BRONZE_METADATA.batchId]: event.batch_id,
        [BRONZE_METADATA.recordCount]: String(event.record_count),
      },
    },
  );
  if (count !== event.record_count) {
    await objects.delete(config.lakeBucket, name);
    if (count === 0) {
      throw new TransientError(
        `no sales documents of batch ${event.batch_id} in ${config.salesCollection} yet`,
      );
    }
    throw new PermanentError(
      "count-mismatch",
      `batch ${event.batch_id} announced ${event.record_count} sales records but ${config.salesCollection} holds ${count}`,
    );
  }
  return bronzeReady(event, ctx, [info], count);
}

/** JSONL sources land straight in bronze: check they are all there and count what they hold. */
async function checkJsonl(event: BatchLanded, ctx: HopContext): Promise<HopOutcome> {
  const { objects, config } = ctx.deps;
  const source: Source = event.source;
  const parts = (await objects.list(config.lakeBucket, bronzePrefix(source, event.batch_date))).filter((o) =>
    o.name.endsWith(".jsonl"),
  );
  if (parts.length === 0) {
    throw new TransientError(
      `no ${source} objects under ${gsUri(config.lakeBucket, bronzePrefix(source, event.batch_date))}`,
    );
  }
  const foreign = parts.filter((o) => o.metadata[BRONZE_METADATA.batchId] !== event.batch_id);
  if (foreign.length > 0) {
    throw new PermanentError(
      "count-mismatch",
      `${foreign.map((o) => gsUri(o.bucket, o.name)).join(", ")} belong to batch ${foreign[0]?.metadata[BRONZE_METADATA.batchId] ?? "(none)"}, not ${event.batch_id}`,
    );
  }
  let count = 0;
  for (const part of parts) count += await countLines(ctx.deps.objects, part);
  if (count !== event.record_count) {
    throw new PermanentError(
      "count-mismatch",
      `batch ${event.batch_id} announced ${event.record_count} ${source} records but its ${parts.length} objects hold ${count}`,
    );
  }
  return bronzeReady(event, ctx, parts, count);
}

/** The export hop: puts one landed batch into bronze and announces it with bronze.ready. */
export const exportHop: Hop<"batch.landed"> = {
  name: "export",
  consumes: "batch.landed",
  layer: "bronze",
  async handle(event, ctx) {
    // The ledger says which batch of the date landed last, and how many records it holds: only
    // that batch, with that count, may touch the date's bronze files (a write would replace them).
    const landed = (await ctx.deps.ledger.get(event.batch_date))?.sources?.[event.source];
    if (landed?.batch_id !== undefined && landed.batch_id !== event.batch_id) {
      return {
        publish: [],
        dropped: `batch.landed of ${event.batch_id}, while the date's current ${event.source} batch is ${landed.batch_id}`,
      };
    }
    if (landed?.landed !== undefined && landed.landed !== event.record_count) {
      throw new PermanentError(
        "count-mismatch",
        `batch ${event.batch_id} announced ${event.record_count} ${event.source} records but ${landed.landed} landed (run ledger)`,
      );
    }
    const outcome = event.source === "sales" ? await exportSales(event, ctx) : await checkJsonl(event, ctx);
    await ctx.deps.ledger.recordSource(event.batch_date, event.source, {
      batch_id: event.batch_id,
      bronze: outcome.rowsOut ?? 0,
      bronze_at: ctx.deps.now().toISOString(),
      objects: (outcome.details?.objects as string[] | undefined) ?? [],
    });
    return outcome;
  },
};
