// Generates TypeScript types from the JSON Schemas so that no record or event shape is written twice.
// `npm run gen:types` rewrites lib/contracts/generated/; a test fails when they are out of date.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderSchemaTypes } from "../lib/contracts/render-types.ts";

const outDir = fileURLToPath(new URL("../lib/contracts/generated/", import.meta.url));
mkdirSync(outDir, { recursive: true });
for (const [file, source] of await renderSchemaTypes()) {
  writeFileSync(`${outDir}${file}`, source);
}
