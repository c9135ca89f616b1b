// Rewrites vertex/churn_pipeline.json from vertex/pipeline-spec.ts: `node vertex/build.ts`.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildChurnPipelineSpec } from "./pipeline-spec.ts";

const file = fileURLToPath(new URL("./churn_pipeline.json", import.meta.url));
writeFileSync(file, `${JSON.stringify(buildChurnPipelineSpec(), null, 2)}\n`);
// Formatted as the repository's linter wants it, so `biome ci` stays clean.
execFileSync("npx", ["biome", "format", "--write", file], { stdio: "inherit" });
process.stdout.write(`wrote ${file}\n`);
