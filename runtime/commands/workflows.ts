import { fileURLToPath } from "node:url";
import { type Command, InvalidArgumentError, Option } from "commander";
import type { AnyHop } from "../../functions/hops.ts";
import type { Config } from "../../lib/config.ts";
import { startHopServer } from "../local/hop-server.ts";
import type { LocalPlatform } from "../local/platform.ts";
import type { WorkflowCommandOutput } from "../workflows/cli.ts";
import { runWorkflowCommand } from "../workflows/index.ts";
import { progress, withPlatform, write } from "./context.ts";

/** The folder that holds `workflows/`, so `pipeline` resolves wherever the CLI is started from. */
const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

function parseSleepScale(value: string): number {
  const parsed = Number(value);
  if (!(Number.isFinite(parsed) && parsed >= 0)) {
    throw new InvalidArgumentError(
      `expected a number >= 0 (1 = real time, 0 = no waiting), got ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}

/**
 * What `sys.get_env` sees offline: the hop server as HOPS_BASE_URL, and the variables terraform
 * gives the deployed workflow, so the same YAML resolves its URLs either way.
 */
export function offlineWorkflowEnv(config: Config, hopsBaseUrl: string): Record<string, string> {
  return {
    HOPS_BASE_URL: hopsBaseUrl,
    GOOGLE_CLOUD_PROJECT_ID: config.project,
    GOOGLE_CLOUD_LOCATION: config.region,
    WINTER_DAYS_PREFIX: config.prefix,
    WINTER_DAYS_REGION: config.region,
    WINTER_DAYS_LAKE_BUCKET: config.lakeBucket,
  };
}

/** Renders a `sys.log` line of the workflow as a progress line; other lines pass through. */
function renderWorkflowLog(line: string): void {
  try {
    const entry = JSON.parse(line) as { severity?: string; message?: string };
    const severity = entry.severity && entry.severity !== "INFO" ? `${entry.severity} ` : "";
    progress(`${severity}${entry.message ?? line}`);
  } catch {
    progress(line);
  }
}

export interface OfflineWorkflowRun {
  file: string;
  data?: string;
  sleepScale?: number;
  /** Where the workflow's sys.log lines go (default: progress lines on stderr). */
  logSink?: (line: string) => void;
  /** Event hops to serve (default: every hop of this build); later entries replace earlier ones by name. */
  hops?: readonly AnyHop[];
}

/**
 * Runs a workflow file against the offline platform: starts the hop server on its dependencies,
 * points the workflow at it and stops it afterwards.
 */
export async function runOfflineWorkflow(
  platform: LocalPlatform,
  run: OfflineWorkflowRun,
): Promise<WorkflowCommandOutput> {
  const server = await startHopServer(platform.deps, run.hops === undefined ? {} : { hops: run.hops });
  try {
    return await runWorkflowCommand({
      file: run.file,
      root: projectRoot,
      ...(run.data === undefined ? {} : { data: run.data }),
      sleepScale: run.sleepScale ?? 1,
      env: offlineWorkflowEnv(platform.deps.config, server.url),
      logSink: run.logSink ?? renderWorkflowLog,
    });
  } finally {
    await server.close();
  }
}

/** Adds `winter-days workflows run <name|file.yaml> --data JSON [--sleep-scale X]`. */
export function registerWorkflowsCommands(program: Command): void {
  const workflows = program.command("workflows").description("run this project's Cloud Workflows offline");
  workflows
    .command("run")
    .description(
      "run a workflow (a name in workflows/, e.g. pipeline, or a YAML file) against the offline hops",
    )
    .argument("<workflow>", "workflow name (workflows/<name>.workflows.yaml) or file")
    .option("--data <json>", "the execution argument as JSON, as gcloud workflows run --data")
    .addOption(
      new Option(
        "--sleep-scale <factor>",
        "factor for sys.sleep and retry delays (1 = real time, 0 = no waiting)",
      )
        .argParser(parseSleepScale)
        .default(1),
    )
    .action(async (workflow: string, options: { data?: string; sleepScale: number }) => {
      const outcome = await withPlatform(async (platform) => {
        progress(`running ${workflow} against the offline hops`);
        return await runOfflineWorkflow(platform, {
          file: workflow,
          ...(options.data === undefined ? {} : { data: options.data }),
          sleepScale: options.sleepScale,
        });
      });
      // Results and uncaught workflow errors are JSON on stdout; a workflow that could not start
      // (no such file, bad --data, syntax error) is a message on stderr.
      if (outcome.exitCode === 2) process.stderr.write(`winter-days: ${outcome.output}\n`);
      else write(outcome.output);
      process.exitCode = outcome.exitCode;
    });
}
