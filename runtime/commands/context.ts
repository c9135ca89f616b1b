import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { InvalidArgumentError } from "commander";
import { type Config, loadConfig } from "../../lib/config.ts";
import { createLogger } from "../../lib/log.ts";
import { type LocalPlatform, openLocalPlatform } from "../local/platform.ts";

/** Where the CLI writes the structured logs, so the terminal shows progress and results only. */
function fileLogger(config: Config) {
  const dir = path.resolve(config.dataDir, "logs");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, "winter-days.jsonl");
  return createLogger({ sink: (line) => appendFileSync(file, `${line}\n`), minSeverity: "DEBUG" });
}

/** Opens the offline platform from the environment for one command and closes it afterwards. */
export async function withPlatform<T>(
  fn: (platform: LocalPlatform, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig(process.env);
  if (config.mode !== "local") {
    throw new Error("the CLI drives the offline platform; in the cloud use gcloud (see docs/deploy.md)");
  }
  const timeScale = Number(process.env.WINTER_DAYS_TIME_SCALE ?? "0.01");
  if (!(timeScale > 0)) throw new InvalidArgumentError(`WINTER_DAYS_TIME_SCALE must be a positive number`);
  const platform = await openLocalPlatform(config, { log: fileLogger(config), timeScale });
  try {
    return await fn(platform, config);
  } finally {
    await platform.close();
  }
}

/** Results go to stdout (so `--json` output can be piped), progress to stderr. */
export const write = (text: string) => process.stdout.write(`${text}\n`);
export const progress = (text: string) => process.stderr.write(`▸ ${text}\n`);

export function parseDate(value: string): string {
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value
  ) {
    throw new InvalidArgumentError(`expected a date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function parseInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed))
    throw new InvalidArgumentError(`expected an integer, got ${JSON.stringify(value)}`);
  return parsed;
}

export function parsePositiveNumber(value: string): number {
  const parsed = Number(value);
  if (!(Number.isFinite(parsed) && parsed > 0))
    throw new InvalidArgumentError(`expected a positive number, got ${JSON.stringify(value)}`);
  return parsed;
}

/** `key=value` pairs of repeatable options. */
export function parsePairs(pairs: string[] | undefined, option: string): Record<string, string> {
  return Object.fromEntries(
    (pairs ?? []).map((pair) => {
      const at = pair.indexOf("=");
      if (at < 1) throw new InvalidArgumentError(`${option} expects key=value, got ${JSON.stringify(pair)}`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}
