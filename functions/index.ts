// Entry module of the deployed source archive: importing each function registers it with the
// functions framework under its own name, which is also its Cloud Run function's entry point.
import "./generate/index.ts";
import "./export/index.ts";
import "./dataform-invoke/index.ts";
import "./dataform-poll/index.ts";
import "./vertex-submit/index.ts";
import "./vertex-poll/index.ts";
import "./predictions-load/index.ts";
import "./dlq-replay/index.ts";
