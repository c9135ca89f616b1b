/**
 * Builds the one source archive every Cloud Run function is deployed from (`npm run package:functions`):
 * the TypeScript compiled by `tsc -p tsconfig.build.json`, a production-only package.json and
 * package-lock.json, and the topology/ and schemas/ the code reads at run time, zipped into
 * dist/functions-source.zip. The archive is byte-for-byte reproducible (sorted entries, fixed
 * timestamps and modes), so terraform names the uploaded object by its content hash and redeploys
 * the functions exactly when something in it changed.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ZipOptions, zipSync } from "fflate";
import { ConfigError } from "../lib/errors.ts";
import { createLogger } from "../lib/log.ts";
import type { Topology } from "../lib/topology.ts";

/** The module functions-framework loads; importing it registers every function under its name. */
export const ENTRY_MODULE = "functions/index.js";

/** Folders copied verbatim from the repository: read at run time relative to the compiled code. */
export const DATA_FOLDERS = ["topology", "schemas"] as const;

/**
 * DOS timestamps in zip headers are local time, so the fixed time is built from local components:
 * the archive is identical whatever the machine's time zone.
 */
export const FIXED_MTIME = new Date(2000, 0, 1, 0, 0, 0);

/** Regular file, rw-r--r--, recorded as made on Unix. */
const FILE_ATTRIBUTES: ZipOptions = { mtime: FIXED_MTIME, os: 3, attrs: 0o100644 << 16, level: 9 };

export interface ArchiveEntry {
  /** Path inside the archive, `/`-separated. */
  path: string;
  data: Uint8Array;
}

type Json = Record<string, unknown>;

/** package.json as deployed: what the runtime needs to install and start, nothing that builds or tests. */
export function productionManifest(pkg: Json): Json {
  const kept: Json = { main: ENTRY_MODULE };
  for (const field of [
    "name",
    "version",
    "private",
    "description",
    "license",
    "type",
    "engines",
    "dependencies",
    "optionalDependencies",
    "overrides",
  ]) {
    if (pkg[field] !== undefined) kept[field] = pkg[field];
  }
  if (kept.type !== "module") {
    throw new ConfigError(
      `package.json must declare "type": "module": the compiled functions are ES modules`,
    );
  }
  return kept;
}

/**
 * package-lock.json without the development tree, so that the buildpack's `npm ci` installs exactly
 * the production closure the repository was tested with, and agrees with productionManifest().
 */
export function productionLockfile(lock: Json): Json {
  const packages = lock.packages;
  if (lock.lockfileVersion !== 3 || typeof packages !== "object" || packages === null) {
    throw new ConfigError("package-lock.json must be lockfileVersion 3 (npm 9 or later)");
  }
  const kept: Record<string, unknown> = {};
  for (const [path, entry] of Object.entries(packages as Record<string, Json>)) {
    if (path === "") {
      const { devDependencies: _dropped, ...root } = entry;
      kept[path] = root;
    } else if (entry.dev !== true) {
      kept[path] = entry;
    }
  }
  return { ...lock, packages: kept };
}

/** Problems with the compiled entry module: missing, or not importing one of the topology's functions. */
export function entryModuleProblems(
  entrySource: string | undefined,
  functionNames: readonly string[],
): string[] {
  if (entrySource === undefined) {
    return [`${ENTRY_MODULE} is missing from the build: functions/index.ts must import every function`];
  }
  return functionNames
    .filter((name) => !new RegExp(`["']\\./${escapeRegExp(name)}/index\\.js["']`).test(entrySource))
    .map(
      (name) =>
        `${ENTRY_MODULE} does not import ./${name}/index.js, so function ${name} would not be registered`,
    );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Every file under `dir`, as sorted `/`-separated paths relative to `dir`. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort(compareBytes);
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A deterministic zip: entries sorted by path, fixed timestamps and modes, maximum compression. */
export function zipArchive(entries: readonly ArchiveEntry[]): Uint8Array {
  const seen = new Set<string>();
  const tree: Record<string, [Uint8Array, ZipOptions]> = {};
  for (const entry of [...entries].sort((a, b) => compareBytes(a.path, b.path))) {
    if (seen.has(entry.path)) throw new ConfigError(`two archive entries are named ${entry.path}`);
    seen.add(entry.path);
    tree[entry.path] = [entry.data, FILE_ATTRIBUTES];
  }
  return zipSync(tree);
}

/** Compiles the deployable TypeScript into `outDir` (same layout as dist/). */
export type Compile = (outDir: string) => Promise<void>;

/** The project's own compiler with tsconfig.build.json, writing into `outDir` instead of dist/. */
export function compileWithTsc(root: string): Compile {
  const run = promisify(execFile);
  return async (outDir) => {
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    try {
      await run(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", outDir], {
        cwd: root,
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      const output = error instanceof Error && "stdout" in error ? String(error.stdout) : "";
      throw new ConfigError(`tsc -p tsconfig.build.json failed; fix the type errors first:\n${output}`, {
        cause: error,
      });
    }
  };
}

export interface PackageOptions {
  /** Repository root: package.json, package-lock.json, topology/, schemas/. */
  root: string;
  /** Where the archive is written. */
  outFile: string;
  compile: Compile;
}

export interface PackageResult {
  file: string;
  sha256: string;
  bytes: number;
  entries: string[];
}

/** Compiles, assembles and writes the archive; throws ConfigError naming whatever is missing. */
export async function packageFunctions(options: PackageOptions): Promise<PackageResult> {
  const { root, outFile, compile } = options;
  const topology = JSON.parse(await readFile(join(root, "topology", "topology.json"), "utf8")) as Topology;
  const buildDir = await mkdtemp(join(tmpdir(), "winter-days-functions-"));
  try {
    await compile(buildDir);
    const entries: ArchiveEntry[] = [];
    for (const path of await listFiles(buildDir)) {
      // Source maps point at .ts files that are not shipped.
      if (path.endsWith(".js") || path.endsWith(".json")) {
        entries.push({ path, data: await readFile(join(buildDir, path)) });
      }
    }
    const entry = entries.find((e) => e.path === ENTRY_MODULE);
    const problems = entryModuleProblems(
      entry && Buffer.from(entry.data).toString("utf8"),
      topology.functions.map((f) => f.name),
    );
    if (problems.length > 0) throw new ConfigError(`cannot package the functions: ${problems.join("; ")}`);

    for (const folder of DATA_FOLDERS) {
      for (const path of await listFiles(join(root, folder))) {
        entries.push({ path: `${folder}/${path}`, data: await readFile(join(root, folder, path)) });
      }
    }
    const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as Json;
    const lock = JSON.parse(await readFile(join(root, "package-lock.json"), "utf8")) as Json;
    entries.push({ path: "package.json", data: jsonBytes(productionManifest(pkg)) });
    entries.push({ path: "package-lock.json", data: jsonBytes(productionLockfile(lock)) });

    const archive = zipArchive(entries);
    await mkdir(dirname(outFile), { recursive: true });
    await writeFile(outFile, archive);
    return {
      file: outFile,
      sha256: createHash("sha256").update(archive).digest("hex"),
      bytes: archive.byteLength,
      entries: entries.map((e) => e.path).sort(compareBytes),
    };
  } finally {
    await rm(buildDir, { recursive: true, force: true });
  }
}

function jsonBytes(value: unknown): Uint8Array {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
}

if (import.meta.main) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const log = createLogger({ labels: { tool: "package-functions" } });
  try {
    const result = await packageFunctions({
      root,
      outFile: join(root, "dist", "functions-source.zip"),
      compile: compileWithTsc(root),
    });
    log.info(`wrote ${relative(root, result.file)}`, {
      sha256: result.sha256,
      bytes: result.bytes,
      entries: result.entries.length,
    });
  } catch (error) {
    log.error("packaging the functions failed", { error });
    process.exitCode = 1;
  }
}
