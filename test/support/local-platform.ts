import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../lib/config.ts";
import { memoryLogger } from "../../lib/log.ts";
import { type LocalPlatform, openLocalPlatform } from "../../runtime/local/platform.ts";

export interface TestPlatform extends LocalPlatform {
  dir: string;
  logs: Array<Record<string, unknown>>;
  /** Closes the platform and removes its directory. */
  dispose(): Promise<void>;
}

/**
 * A complete offline platform in a fresh temporary directory: the same stand-ins `npm start` uses,
 * with retry backoff shrunk so retries take milliseconds.
 */
export async function openTestPlatform(
  options: { dir?: string; timeScale?: number; env?: Record<string, string> } = {},
): Promise<TestPlatform> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), "winter-days-")));
  const config = loadConfig({ WINTER_DAYS_DATA_DIR: dir, ...options.env });
  const log = memoryLogger();
  const platform = await openLocalPlatform(config, { log, timeScale: options.timeScale ?? 0.001 });
  return {
    ...platform,
    dir,
    logs: log.entries,
    async dispose() {
      await platform.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
