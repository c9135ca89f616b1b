import { createInterface } from "node:readline";
import type { ObjectInfo, ObjectStore } from "./ports/objects.ts";

/** Non-blank lines of a JSONL object, streamed: memory stays flat however large the object. */
export async function countLines(objects: ObjectStore, object: ObjectInfo): Promise<number> {
  let lines = 0;
  const reader = createInterface({
    input: objects.readStream(object.bucket, object.name),
    crlfDelay: Infinity,
  });
  for await (const line of reader) if (line.trim() !== "") lines++;
  return lines;
}
