import type { ClickstreamRecord } from "./generated/records__clickstream.v2.0.0.ts";
import type { SalesRecord } from "./generated/records__sales.v2.0.0.ts";
import type { StartupRecord } from "./generated/records__startup.v2.0.0.ts";

export type { ClickstreamRecord, SalesRecord, StartupRecord };

/** The three data sources and the record type each lands. */
export interface RecordsBySource {
  sales: SalesRecord;
  clickstream: ClickstreamRecord;
  startups: StartupRecord;
}

export type Source = keyof RecordsBySource;

export const SOURCES: readonly Source[] = ["sales", "clickstream", "startups"];

/** Schema file (below schemas/records/) and version each source's records follow. */
export const RECORD_SCHEMAS: Record<Source, { file: string; name: string; version: string }> = {
  sales: { file: "records/sales.v2.0.0.json", name: "sales.v2.0.0", version: "2.0.0" },
  clickstream: { file: "records/clickstream.v2.0.0.json", name: "clickstream.v2.0.0", version: "2.0.0" },
  startups: { file: "records/startup.v2.0.0.json", name: "startup.v2.0.0", version: "2.0.0" },
};
