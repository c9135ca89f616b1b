import type { Source } from "./contracts/records.ts";
import type { DocumentData, DocumentStore } from "./ports/documents.ts";

export type HopState = "succeeded" | "retrying" | "dead-lettered" | "rejected";

/** One hop's outcome for one batch (source batch or date-level stage). */
export interface HopRecord {
  hop: string;
  /** Source for per-source hops; "warehouse"/"churn" for date-level stages. */
  source: string;
  batch_id: string;
  state: HopState;
  attempts: number;
  event_id: string;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  rows_in?: number;
  rows_out?: number;
  /** Delivery attempts after this batch had already succeeded (at-least-once duplicates). */
  duplicate_deliveries?: number;
  error?: { class: string; message: string; reason?: string };
  /** Free-form, hop specific (invocation names, object names...). */
  details?: DocumentData;
}

/** What landed for one source of one batch date. */
export interface SourceRecord {
  batch_id: string;
  generated?: number;
  landed?: number;
  bronze?: number;
  location?: string;
  landed_at?: string;
  bronze_at?: string;
  objects?: string[];
}

export interface RunRecord {
  batch_date: string;
  updated_at: string;
  sources: Partial<Record<Source, SourceRecord>>;
  /** hops[hop][source] */
  hops: Record<string, Record<string, HopRecord>>;
  /** Date-level facts written by later stages (dataform, vertex). */
  stages?: Record<string, DocumentData>;
}

/**
 * The run ledger: one document per batch date that says what happened to each source and hop. It is
 * how hops find out what is already done (idempotency, the barrier before Dataform) and how people
 * find out what went wrong.
 */
export class RunLedger {
  readonly #documents: DocumentStore;
  readonly #collection: string;
  readonly #now: () => Date;

  constructor(documents: DocumentStore, collection: string, now: () => Date = () => new Date()) {
    this.#documents = documents;
    this.#collection = collection;
    this.#now = now;
  }

  async get(batchDate: string): Promise<RunRecord | undefined> {
    return await this.#documents.get<RunRecord & DocumentData>(this.#collection, batchDate);
  }

  /** Batch dates in the ledger, newest first. */
  async dates(limit = 30): Promise<string[]> {
    const docs = await this.#documents.query(this.#collection, { orderBy: [["batch_date", "desc"]], limit });
    return docs.map((d) => d.id);
  }

  /** Whether any batch date has recorded `stage` in `state` (e.g. a Dataform run that succeeded). */
  async anyStageIn(stage: string, state: string): Promise<boolean> {
    const found = await this.#documents.query(this.#collection, {
      where: [[`stages.${stage}.state`, "==", state]],
      limit: 1,
    });
    return found.length > 0;
  }

  /** Merges facts about one source's batch. */
  async recordSource(batchDate: string, source: Source, facts: SourceRecord): Promise<void> {
    await this.#documents.set(
      this.#collection,
      batchDate,
      { batch_date: batchDate, updated_at: this.#now().toISOString(), sources: { [source]: facts } },
      { merge: true },
    );
  }

  /** Merges date-level facts of a stage (e.g. the Dataform invocation). */
  async recordStage(batchDate: string, stage: string, facts: DocumentData): Promise<void> {
    await this.#documents.set(
      this.#collection,
      batchDate,
      { batch_date: batchDate, updated_at: this.#now().toISOString(), stages: { [stage]: facts } },
      { merge: true },
    );
  }

  /**
   * Records a hop outcome. A late or duplicate delivery never turns a batch that already succeeded
   * back into retrying or dead-lettered: it is counted as a duplicate instead.
   */
  async recordHop(batchDate: string, record: HopRecord): Promise<void> {
    await this.#documents.transaction(async (tx) => {
      const run = await tx.get<RunRecord & DocumentData>(this.#collection, batchDate);
      const previous = run?.hops?.[record.hop]?.[record.source];
      let next: HopRecord = record;
      if (previous && previous.batch_id === record.batch_id && previous.state === "succeeded") {
        next = {
          ...previous,
          ...(record.state === "succeeded" ? record : {}),
          state: "succeeded",
          duplicate_deliveries: (previous.duplicate_deliveries ?? 0) + 1,
        };
      }
      const updatedAt = this.#now().toISOString();
      if (run === undefined) {
        tx.set(this.#collection, batchDate, {
          batch_date: batchDate,
          updated_at: updatedAt,
          sources: {},
          hops: { [record.hop]: { [record.source]: next as unknown as DocumentData } },
        });
      } else {
        // A field-path update replaces the whole hop record, so a stale error never outlives a success.
        tx.update(this.#collection, batchDate, {
          updated_at: updatedAt,
          [`hops.${record.hop}.${record.source}`]: next as unknown as DocumentData,
        });
      }
    });
  }
}
