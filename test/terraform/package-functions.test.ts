import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { unzipSync } from "fflate";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/errors.ts";
import {
  type Compile,
  ENTRY_MODULE,
  packageFunctions,
  productionLockfile,
  productionManifest,
} from "../../scripts/package-functions.ts";
import { repoRoot } from "./config.ts";

let root: string;

async function put(path: string, content: string): Promise<void> {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
}

/** Stands in for tsc: writes the compiled layout the real build produces. */
function fakeCompile(files: Record<string, string>): Compile {
  return async (outDir) => {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(outDir, path)), { recursive: true });
      await writeFile(join(outDir, path), content);
    }
  };
}

const compiled = {
  "functions/index.js": 'import "./generate/index.js";\nimport "./export/index.js";\n',
  "functions/generate/index.js": "export {};\n",
  "functions/export/index.js": "export {};\n",
  "functions/export/index.js.map": "{}",
  "lib/config.js": "export const x = 1;\n",
};

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "package-functions-"));
  await put(
    "package.json",
    JSON.stringify({
      name: "winter-days",
      version: "0.1.0",
      type: "module",
      engines: { node: ">=24 <25" },
      scripts: { build: "tsc", test: "vitest" },
      dependencies: { prod: "^1.0.0" },
      devDependencies: { tooling: "^2.0.0" },
      allowScripts: { node: true },
    }),
  );
  await put(
    "package-lock.json",
    JSON.stringify({
      name: "winter-days",
      lockfileVersion: 3,
      requires: true,
      packages: {
        "": { name: "winter-days", dependencies: { prod: "^1.0.0" }, devDependencies: { tooling: "^2.0.0" } },
        "node_modules/prod": { version: "1.0.0" },
        "node_modules/tooling": { version: "2.0.0", dev: true },
        "node_modules/optional-native": { version: "3.0.0", optional: true },
      },
    }),
  );
  await put(
    "topology/topology.json",
    JSON.stringify({ topics: [], subscriptions: [], functions: [{ name: "generate" }, { name: "export" }] }),
  );
  await put("schemas/events/batch.landed.v1.0.0.json", "{}");
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("package-functions", () => {
  it("zips the compiled code, production manifest and lockfile, topology and schemas", async () => {
    const result = await packageFunctions({
      root,
      outFile: join(root, "dist/a.zip"),
      compile: fakeCompile(compiled),
    });

    const files = unzipSync(new Uint8Array(await readFile(result.file)));
    expect(Object.keys(files)).toEqual([
      "functions/export/index.js",
      "functions/generate/index.js",
      "functions/index.js",
      "lib/config.js",
      "package-lock.json",
      "package.json",
      "schemas/events/batch.landed.v1.0.0.json",
      "topology/topology.json",
    ]);
    const manifest = JSON.parse(Buffer.from(files["package.json"] ?? []).toString());
    expect(manifest).toEqual({
      main: ENTRY_MODULE,
      name: "winter-days",
      version: "0.1.0",
      type: "module",
      engines: { node: ">=24 <25" },
      dependencies: { prod: "^1.0.0" },
    });
    const lock = JSON.parse(Buffer.from(files["package-lock.json"] ?? []).toString());
    expect(Object.keys(lock.packages)).toEqual(["", "node_modules/prod", "node_modules/optional-native"]);
    expect(lock.packages[""].devDependencies).toBeUndefined();
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("produces the same bytes again, whatever the files' timestamps", async () => {
    const first = await packageFunctions({
      root,
      outFile: join(root, "dist/a.zip"),
      compile: fakeCompile(compiled),
    });
    await utimes(
      join(root, "schemas/events/batch.landed.v1.0.0.json"),
      new Date(2031, 5, 1),
      new Date(2031, 5, 1),
    );
    const second = await packageFunctions({
      root,
      outFile: join(root, "dist/b.zip"),
      compile: fakeCompile(compiled),
    });

    expect(second.sha256).toBe(first.sha256);
    expect(Buffer.compare(await readFile(first.file), await readFile(second.file))).toBe(0);
  });

  it("refuses to package when the entry module does not register a topology function", async () => {
    const withoutExport = { ...compiled, "functions/index.js": 'import "./generate/index.js";\n' };

    await expect(
      packageFunctions({ root, outFile: join(root, "dist/a.zip"), compile: fakeCompile(withoutExport) }),
    ).rejects.toThrow(/does not import \.\/export\/index\.js/);
  });

  it("refuses to package without the entry module", async () => {
    const { "functions/index.js": _entry, ...withoutEntry } = compiled;

    const attempt = packageFunctions({
      root,
      outFile: join(root, "dist/a.zip"),
      compile: fakeCompile(withoutEntry),
    });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(/functions\/index\.js is missing/);
  });

  it("a manifest that is not an ES module package is rejected", () => {
    expect(() => productionManifest({ name: "x", dependencies: {} })).toThrow(/"type": "module"/);
  });

  it("the repository's pruned lockfile still holds every production dependency of every package it keeps", async () => {
    const lock = JSON.parse(await readFile(join(repoRoot, "package-lock.json"), "utf8"));
    const pkg = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8"));
    const pruned = productionLockfile(lock).packages as Record<string, Record<string, unknown>>;

    const resolves = (from: string, name: string): boolean => {
      // npm's lookup: node_modules/<name> next to the package, then in each enclosing node_modules.
      let base = from;
      for (;;) {
        if (pruned[`${base ? `${base}/` : ""}node_modules/${name}`]) return true;
        if (!base) return false;
        const parent = base.lastIndexOf("/node_modules/");
        base = parent === -1 ? "" : base.slice(0, parent);
      }
    };
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(pruned)) {
      const deps = (path === "" ? pkg.dependencies : entry.dependencies) as
        | Record<string, string>
        | undefined;
      for (const name of Object.keys(deps ?? {}))
        if (!resolves(path, name)) missing.push(`${path || "<root>"} -> ${name}`);
    }
    expect(missing).toEqual([]);
    expect(Object.values(pruned).some((entry) => entry.dev === true)).toBe(false);
    expect(pruned["node_modules/vitest"]).toBeUndefined();
    expect(pruned["node_modules/@google-cloud/functions-framework"]).toBeDefined();
  });
});
