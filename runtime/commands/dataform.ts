import path from "node:path";
import { type Command, Option } from "commander";
import {
  compileForDuckDb,
  describeGraph,
  type RunResult,
  runDataform,
} from "../../lib/adapters/local/dataform/index.ts";
import { type Config, loadConfig } from "../../lib/config.ts";
import { dataformProjectDir, type LocalPlatform, localPiiHashKey } from "../local/platform.ts";
import { parseDate, withPlatform, write } from "./context.ts";

interface RunOptions {
  date: string;
  tags?: string[];
  actions?: string[];
  fullRefresh?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

const today = () => new Date().toISOString().slice(0, 10);

function vars(config: Config, date: string): Record<string, string> {
  return { batch_date: date, lake_bucket: config.lakeBucket };
}

function renderRun(result: RunResult, dryRun: boolean): string {
  const rows = result.actions.map((a) => [
    a.target,
    a.type,
    a.state,
    a.rowsAffected === undefined ? "-" : a.rowsAffected.toLocaleString("en"),
    `${a.durationMs} ms`,
    a.failureReason ?? "",
  ]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length), 4));
  const lines = rows.map((r) =>
    r
      .map((c, i) => (i < 5 ? c.padEnd(widths[i] ?? 0) : c))
      .join("  ")
      .trimEnd(),
  );
  if (dryRun) {
    return result.actions.map((a) => `-- ${a.target} (${a.type})\n${a.sql.join(";\n")};`).join("\n\n");
  }
  const failed = result.actions.filter((a) => a.state === "FAILED").length;
  return [...lines, "", `${result.state}: ${result.actions.length} actions, ${failed} failed`].join("\n");
}

async function run(
  platform: LocalPlatform,
  config: Config,
  options: RunOptions,
  only?: "tests",
): Promise<RunResult> {
  const graph = compileForDuckDb(dataformProjectDir, vars(config, options.date));
  const tests = describeGraph(graph)
    .filter((a) => a.type === "test")
    .map((a) => a.target);
  return await runDataform({
    warehouse: platform.warehouse,
    projectDir: dataformProjectDir,
    graph,
    ...(only === "tests" ? { actions: tests } : {}),
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.actions ? { actions: options.actions } : {}),
    fullRefresh: options.fullRefresh === true,
    dryRun: options.dryRun === true,
    environment: {
      lakeRoot: path.join(path.resolve(config.dataDir), "objects", config.lakeBucket),
      piiHashKey: localPiiHashKey(config),
    },
  });
}

/** `winter-days dataform compile|run|test`: the Dataform project on the offline warehouse. */
export function registerDataformCommands(program: Command): void {
  const dataform = program
    .command("dataform")
    .description("compile the Dataform project and run it on the offline warehouse");
  const dateOption = () =>
    new Option("--date <date>", "batch date (the var batch_date)")
      .argParser(parseDate)
      .default(today(), "today");

  dataform
    .command("compile")
    .description("compile with Dataform's compiler; list every action, its type and dependencies")
    .addOption(dateOption())
    .option("--json", "print the actions as JSON")
    .action(async (options: { date: string; json?: boolean }) => {
      const config = loadConfig(process.env);
      const actions = describeGraph(compileForDuckDb(dataformProjectDir, vars(config, options.date)));
      write(
        options.json
          ? JSON.stringify(actions)
          : actions
              .map(
                (a) =>
                  `${a.type.padEnd(11)} ${a.target}${a.dependencies.length ? `  ← ${a.dependencies.join(", ")}` : ""}`,
              )
              .join("\n"),
      );
    });

  for (const [name, description, only] of [
    [
      "run",
      "run the graph in dependency order: tables, views, incremental tables, operations, assertions, unit tests",
      undefined,
    ],
    [
      "test",
      "run the project's unit tests only (Google Cloud's Dataform does not run them; this does)",
      "tests",
    ],
  ] as const) {
    dataform
      .command(name)
      .description(description)
      .addOption(dateOption())
      .option("--tags <tags...>", "only actions with these tags")
      .option("--actions <targets...>", "only these actions, as dataset.name")
      .option("--full-refresh", "rebuild incremental tables from scratch")
      .option("--dry-run", "print the SQL each action would run, and run nothing")
      .option("--json", "print the per-action results as JSON")
      .action(async (options: RunOptions) => {
        const result = await withPlatform((platform, config) => run(platform, config, options, only));
        write(options.json ? JSON.stringify(result) : renderRun(result, options.dryRun === true));
        if (result.state === "FAILED") process.exitCode = 1;
      });
  }
}
