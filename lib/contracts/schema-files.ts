import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Root of the versioned JSON Schemas: records, events and the topology. */
export const schemasDir = fileURLToPath(new URL("../../schemas/", import.meta.url));

/** Every schema file below schemas/, relative to it, in a stable order. */
export function listSchemaFiles(): string[] {
  return readdirSync(schemasDir, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.split(path.sep).join("/"))
    .sort();
}
