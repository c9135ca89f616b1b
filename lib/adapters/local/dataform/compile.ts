import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import vm from "node:vm";
import protobuf from "protobufjs";
import { ConfigError } from "../../../errors.ts";
import type { CompiledGraph } from "./graph.ts";

/**
 * Compiles a Dataform project in-process with Dataform's own compiler, the way @dataform/cli's
 * compile worker does it: the project's files and @dataform/core's bundle are evaluated in one
 * fresh sandbox (a node:vm context instead of the CLI's vm2), every source file goes through
 * core's `compiler` (SQLX and YAML to JavaScript), and core's `main` receives the encoded
 * CoreExecutionRequest and returns the encoded CompiledGraph, which is decoded with core's own
 * proto files. Unlike `dataform compile`, nothing is installed: the project's dataformCoreVersion
 * must match the installed @dataform/core, which this checks.
 */

export interface CompileOptions {
  projectDir: string;
  /** Compile vars; override workflow_settings.yaml's vars, like `--vars` or codeCompilationConfig.vars. */
  vars?: Record<string, string>;
  /** Overrides defaultProject (the database every target resolves to). */
  defaultDatabase?: string;
}

interface CoreModule {
  compiler(code: string, filePath: string): string;
  main(request: string): string;
  version?: string;
}

interface LoadedModule {
  exports: unknown;
}

const localRequire = createRequire(import.meta.url);

function coreDirectory(): string {
  return path.dirname(localRequire.resolve("@dataform/core/package.json"));
}

let protoRoot: protobuf.Root | undefined;

function protos(): protobuf.Root {
  protoRoot ??= protobuf.loadSync(path.join(coreDirectory(), "core.proto"));
  return protoRoot;
}

/** Every file of the project, relative and with forward slashes, as the CLI's glob lists them. */
function listProjectFiles(projectDir: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(projectDir, relative), { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (relative && entry.name.includes(".")) files.push(child);
    }
  };
  walk("");
  return files.sort();
}

function readCoreVersionSetting(projectDir: string, compiler: CoreModule["compiler"]): string | undefined {
  const file = path.join(projectDir, "workflow_settings.yaml");
  // core's compiler turns YAML into `exports.asJson = {...}`; evaluating it avoids a second YAML parser.
  const module = { exports: {} as { asJson?: { dataformCoreVersion?: string } } };
  vm.runInNewContext(compiler(readFileSync(file, "utf8"), file), { exports: module.exports, module });
  return module.exports.asJson?.dataformCoreVersion;
}

/** Runs core's `main` for the project in a fresh sandbox and returns its base64 response. */
function runCore(projectDir: string, request: string): { response: string; coreVersion: string } {
  const coreBundle = path.join(coreDirectory(), "bundle.js");
  const context = vm.createContext({});
  const fileStack: string[] = [];
  vm.runInContext("globalThis.global = globalThis;", context);
  // Same fallback the CLI installs for core's caller-file lookup.
  Object.defineProperty(context, "__dataform_current_file", {
    configurable: true,
    get: () => fileStack.at(-1) ?? null,
  });
  const cache = new Map<string, LoadedModule>();
  let compiler: CoreModule["compiler"] | undefined;

  const resolveFile = (fromDir: string, specifier: string): string => {
    const base =
      specifier.startsWith("./") || specifier.startsWith("../") || path.isAbsolute(specifier)
        ? path.resolve(fromDir, specifier)
        : path.resolve(projectDir, specifier);
    for (const candidate of [base, `${base}.js`]) {
      if (existsSync(candidate) && statSync(candidate).isFile()) {
        const relative = path.relative(projectDir, candidate);
        if (relative.startsWith("..") || path.isAbsolute(relative)) {
          throw new Error(`${specifier} resolves outside the Dataform project`);
        }
        return candidate;
      }
    }
    throw new Error(`Cannot find module '${specifier}' from ${fromDir}`);
  };

  const load = (file: string): unknown => {
    const cached = cache.get(file);
    if (cached) return cached.exports;
    const source = readFileSync(file, "utf8");
    const code = file === coreBundle || !compiler ? source : compiler(source, file);
    const wrapped = `(function (exports, require, module, __filename, __dirname) {\n${code}\n})`;
    const factory = vm.runInContext(wrapped, context, { filename: file }) as (
      exports: unknown,
      require: (specifier: string) => unknown,
      module: LoadedModule,
      filename: string,
      dirname: string,
    ) => void;
    const module: LoadedModule = { exports: {} };
    cache.set(file, module);
    const dirname = path.dirname(file);
    fileStack.push(file);
    try {
      factory(module.exports, (specifier) => requireFrom(dirname, specifier), module, file, dirname);
    } finally {
      fileStack.pop();
    }
    return module.exports;
  };

  const requireFrom = (dirname: string, specifier: string): unknown => {
    if (specifier === "@dataform/core") return load(coreBundle);
    if (specifier === "path") return path;
    return load(resolveFile(dirname, specifier));
  };

  const core = load(coreBundle) as CoreModule;
  compiler = core.compiler;
  const coreVersion = core.version ?? "0.0.0";
  const pinned = readCoreVersionSetting(projectDir, core.compiler);
  if (pinned && pinned !== coreVersion) {
    throw new ConfigError(
      `${projectDir}/workflow_settings.yaml pins dataformCoreVersion ${pinned} but @dataform/core ${coreVersion} is installed`,
    );
  }
  const settings = load(path.join(projectDir, "workflow_settings.yaml"));
  (context as Record<string, unknown>).workflowSettingsYaml = settings;
  return { response: core.main(request), coreVersion };
}

/**
 * Compiles the project and returns its compiled graph in the JSON shape of `dataform compile --json`.
 * Compilation errors are in `graphErrors`; the caller decides whether they are fatal.
 */
export function compileDataform(options: CompileOptions): CompiledGraph {
  const projectDir = realpathSync(path.resolve(options.projectDir));
  const root = protos();
  const Request = root.lookupType("dataform.CoreExecutionRequest");
  const Response = root.lookupType("dataform.CoreExecutionResponse");
  const projectConfigOverride: Record<string, unknown> = {};
  if (options.vars && Object.keys(options.vars).length > 0) projectConfigOverride.vars = options.vars;
  if (options.defaultDatabase) projectConfigOverride.defaultDatabase = options.defaultDatabase;
  const requestMessage = Request.fromObject({
    compile: {
      compileConfig: { projectDir, filePaths: listProjectFiles(projectDir), projectConfigOverride },
    },
  });
  const requestBytes = Request.encode(requestMessage).finish();
  const { response } = runCore(projectDir, Buffer.from(requestBytes).toString("base64"));
  const decoded = Response.decode(Buffer.from(response, "base64"));
  const object = Response.toObject(decoded, { longs: String, enums: String, bytes: String, json: true }) as {
    compile?: { compiledGraph?: CompiledGraph };
  };
  const graph = object.compile?.compiledGraph;
  if (!graph) throw new Error(`@dataform/core returned no compiled graph for ${projectDir}`);
  return graph;
}
