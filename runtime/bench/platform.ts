import { loadConfig } from "../../lib/config.ts";
import { createLogger, type Logger } from "../../lib/log.ts";
import { type LocalPlatform, openLocalPlatform } from "../local/platform.ts";

/**
 * Warnings and errors go to stderr, which the parent keeps to explain a failed phase; the bench's
 * own output is the figures, so routine log lines are dropped.
 */
export function benchLogger(): Logger {
  return createLogger({ sink: (line) => process.stderr.write(`${line}\n`), minSeverity: "WARNING" });
}

/**
 * The offline platform on a scratch data dir, configured like `winter-days run` with the defaults
 * and nothing from the caller's environment, so the figures do not depend on the shell it ran in.
 */
export async function openBenchPlatform(dataDir: string): Promise<LocalPlatform> {
  const config = loadConfig({ WINTER_DAYS_DATA_DIR: dataDir });
  return await openLocalPlatform(config, { log: benchLogger(), timeScale: 0.01 });
}
