import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { parseScale, type Scale } from "../../generators/scale.ts";
import { type BenchReport, SECTIONS, type Section } from "../bench/figures.ts";
import { renderBench } from "../bench/render.ts";
import { runBench } from "../bench/run.ts";
import { progress, write } from "./context.ts";

function list(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function parseScales(value: string): Scale[] {
  const scales = list(value).map((item) => {
    try {
      return parseScale(item);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  });
  if (scales.length === 0) throw new InvalidArgumentError("expected at least one scale, e.g. small,medium");
  return scales;
}

function parseSections(value: string): Section[] {
  const sections = list(value);
  const unknown = sections.filter((s) => !SECTIONS.includes(s as Section));
  if (unknown.length > 0 || sections.length === 0) {
    throw new InvalidArgumentError(
      `expected a comma-separated list of ${SECTIONS.join(", ")}; got ${JSON.stringify(value)}`,
    );
  }
  return SECTIONS.filter((s) => sections.includes(s));
}

interface BenchCommandOptions {
  scales: Scale[];
  only?: Section[];
  json?: boolean;
  out?: string;
}

/**
 * Exit status of a bench: 1 when a phase failed, or when the broker section was asked for by name
 * and Google's emulator could not run (without --only a missing gcloud is only noted).
 */
export function benchExitCode(report: BenchReport, only: Section[] | undefined): number {
  if (report.problems.length > 0) return 1;
  if (only?.includes("broker") && report.broker && !report.broker.emulator.available) return 1;
  return 0;
}

/** `winter-days bench`: the figures issues 2 and 3 ask for, measured on this machine. */
export function registerBenchCommands(program: Command): void {
  program
    .command("bench")
    .description(
      "measure generator and export rows/s, the offline broker beside Google's Pub/Sub emulator, and the Dataform stage beside plain DuckDB, with peak memory, at each scale",
    )
    .addOption(
      new Option("--scales <scales>", "comma-separated scales: small, medium, large or rows per day")
        .argParser(parseScales)
        .default(["small", "medium"], "small,medium"),
    )
    .addOption(
      new Option("--only <sections>", `comma-separated sections: ${SECTIONS.join(", ")}`).argParser(
        parseSections,
      ),
    )
    .option("--json", "print the report as one JSON object instead of tables")
    .option("--out <file>", "also write the report as JSON to this file")
    .action(async (options: BenchCommandOptions) => {
      const report = await runBench({
        scales: options.scales,
        sections: options.only ?? [...SECTIONS],
        progress,
      });
      if (options.out) {
        mkdirSync(path.dirname(path.resolve(options.out)), { recursive: true });
        writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
      }
      write(options.json ? JSON.stringify(report) : renderBench(report));
      const code = benchExitCode(report, options.only);
      if (code !== 0) process.exitCode = code;
    });
}
