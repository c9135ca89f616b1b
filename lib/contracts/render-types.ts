import { readFileSync } from "node:fs";
import { compile, type JSONSchema } from "json-schema-to-typescript";
import { listSchemaFiles, schemasDir } from "./schema-files.ts";

const banner =
  "// Generated from schemas/ by `npm run gen:types`. Do not edit: change the schema and regenerate.\n";

/** Renders one TypeScript module per schema file: [output file name, source]. */
export async function renderSchemaTypes(): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const file of listSchemaFiles()) {
    const schema = JSON.parse(readFileSync(`${schemasDir}${file}`, "utf8")) as JSONSchema;
    const dir = file.includes("/") ? `${schemasDir}${file.slice(0, file.lastIndexOf("/"))}` : schemasDir;
    const source = await compile(schema, String(schema.title), {
      cwd: dir,
      bannerComment: banner,
      additionalProperties: false,
      declareExternallyReferenced: true,
      format: false,
      strictIndexSignatures: true,
    });
    out.push([`${file.replace(/\//g, "__").replace(/\.json$/, "")}.ts`, source]);
  }
  return out;
}
