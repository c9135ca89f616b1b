import { ByteWriter, ParquetWriter } from "hyparquet-writer";

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]["schema"][number];

/** Column kinds the platform writes; each maps to one Parquet physical and logical type. */
export type ParquetKind = "string" | "int32" | "double" | "timestamp" | "date";

export interface ParquetColumn<R> {
  name: string;
  kind: ParquetKind;
  value(row: R): string | number | Date | null;
  required?: boolean;
}

function schemaElement(column: ParquetColumn<unknown>): SchemaElement {
  const repetition_type = column.required === false ? "OPTIONAL" : "REQUIRED";
  switch (column.kind) {
    case "string":
      return { name: column.name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type };
    case "int32":
      return { name: column.name, type: "INT32", repetition_type };
    case "double":
      return { name: column.name, type: "DOUBLE", repetition_type };
    case "timestamp":
      return { name: column.name, type: "INT64", converted_type: "TIMESTAMP_MICROS", repetition_type };
    case "date":
      return { name: column.name, type: "INT32", converted_type: "DATE", repetition_type };
  }
}

/**
 * Encodes pages of rows as one Parquet file, yielding its bytes as each row group is written, so
 * peak memory is one row group however large the batch (the caller streams the chunks to storage).
 */
export async function* parquetChunks<R>(
  pages: AsyncIterable<R[]>,
  columns: Array<ParquetColumn<R>>,
  options: { rowGroupRows?: number; createdBy?: string } = {},
): AsyncGenerator<Uint8Array> {
  const rowGroupRows = options.rowGroupRows ?? 100_000;
  const bytes = new ByteWriter(1 << 20);
  const schema: SchemaElement[] = [
    { name: "root", num_children: columns.length },
    ...columns.map((c) => schemaElement(c as ParquetColumn<unknown>)),
  ];
  const writer = new ParquetWriter({
    writer: bytes,
    schema,
    codec: "SNAPPY",
    createdBy: options.createdBy ?? "winter-days",
  });
  const drain = (): Uint8Array => {
    const chunk = bytes.getBytes().slice();
    // Offsets in the footer use `offset` (bytes ever written), so resetting the buffer index is safe.
    bytes.index = 0;
    return chunk;
  };
  let pending: R[] = [];
  const flush = async () => {
    const rows = pending;
    pending = [];
    await writer.write({
      columnData: columns.map((c) => ({ name: c.name, data: rows.map((r) => c.value(r)) })),
      rowGroupSize: rows.length,
    });
  };
  for await (const page of pages) {
    for (const row of page) pending.push(row);
    if (pending.length >= rowGroupRows) {
      await flush();
      yield drain();
    }
  }
  if (pending.length > 0) await flush();
  await writer.finish();
  yield drain();
}
