import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { errorMessage, PermanentError } from "../../../errors.ts";
import type { Logger } from "../../../log.ts";
import type {
  CompilationRequest,
  InvocationAction,
  InvocationRequest,
  InvocationState,
  InvocationStatus,
  Transformations,
} from "../../../ports/transformations.ts";
import { processAlive } from "../process-alive.ts";
import type { TransactionalWarehouse } from "../warehouse.ts";
import { compileDataform } from "./compile.ts";
import { type CompiledGraph, compilationErrors } from "./graph.ts";
import { type ActionResult, runDataform } from "./run.ts";

export interface LocalTransformationsOptions {
  /** `<dataDir>`; compilation results and invocations are kept under `<dataDir>/dataform/`. */
  dataDir: string;
  /** The Dataform project folder (dataform/). */
  projectDir: string;
  warehouse: TransactionalWarehouse;
  /** Local folder standing in for gs://<lake bucket>, read by the bronze relations. */
  lakeRoot: string;
  /** Key of the PII keyed hash, written to the key table before each invocation. */
  piiHashKey: string;
  /** Vars under every compilation's own (lake_bucket, …). */
  defaultVars?: Record<string, string>;
  /** "background" (default): createWorkflowInvocation returns at once; "sync": after the run. */
  runMode?: "background" | "sync";
  logger?: Logger;
}

interface StoredCompilation {
  name: string;
  createTime: string;
  vars: Record<string, string>;
  gitCommitish?: string;
  graph: CompiledGraph;
}

interface StoredInvocation {
  name: string;
  compilationResult: string;
  request: InvocationRequest;
  state: InvocationState;
  createTime: string;
  endTime?: string;
  /** Process running it: a RUNNING invocation whose process is gone is reported FAILED. */
  pid: number;
  failureReason?: string;
  actions: ActionResult[];
}

const RESOURCE_PREFIX = "projects/local/locations/local/repositories/winter-days";
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function idOf(name: string, collection: "compilationResults" | "workflowInvocations"): string {
  const prefix = `${RESOURCE_PREFIX}/${collection}/`;
  const id = name.startsWith(prefix) ? name.slice(prefix.length) : "";
  if (!ID.test(id))
    throw new PermanentError(
      "invalid-identifier",
      `${JSON.stringify(name)} is not a local ${collection} name`,
    );
  return id;
}

function writeJsonAtomically(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temporary, JSON.stringify(value, null, 2));
  renameSync(temporary, file);
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new PermanentError("missing-object", `${what} does not exist`);
    throw error;
  }
}

/**
 * The transformations port offline: compiles dataform/ with Dataform's compiler for the DuckDB
 * dialect and runs the invocation on the DuckDB warehouse, unit tests included. Invocations run
 * one at a time, in the background by default; their state is written to JSON after every action,
 * so another process (the poll hop) reads it.
 */
export class LocalTransformations implements Transformations {
  readonly #options: LocalTransformationsOptions;
  readonly #root: string;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: LocalTransformationsOptions) {
    this.#options = options;
    this.#root = path.join(options.dataDir, "dataform");
  }

  #compilationFile(id: string): string {
    return path.join(this.#root, "compilationResults", `${id}.json`);
  }

  #invocationFile(id: string): string {
    return path.join(this.#root, "workflowInvocations", `${id}.json`);
  }

  async createCompilationResult(request: CompilationRequest): Promise<{ name: string }> {
    const vars = { ...this.#options.defaultVars, ...request.vars, dialect: "duckdb" };
    const graph = compileDataform({ projectDir: this.#options.projectDir, vars });
    const errors = compilationErrors(graph);
    if (errors.length > 0) {
      throw new PermanentError("job-failed", `Dataform compilation failed: ${errors.join("; ")}`);
    }
    const id = randomUUID();
    const stored: StoredCompilation = {
      name: `${RESOURCE_PREFIX}/compilationResults/${id}`,
      createTime: new Date().toISOString(),
      vars,
      ...(request.gitCommitish ? { gitCommitish: request.gitCommitish } : {}),
      graph,
    };
    writeJsonAtomically(this.#compilationFile(id), stored);
    return { name: stored.name };
  }

  async createWorkflowInvocation(request: InvocationRequest): Promise<{ name: string }> {
    const compilation = readJson<StoredCompilation>(
      this.#compilationFile(idOf(request.compilationResult, "compilationResults")),
      `compilation result ${request.compilationResult}`,
    );
    const id = randomUUID();
    const invocation: StoredInvocation = {
      name: `${RESOURCE_PREFIX}/workflowInvocations/${id}`,
      compilationResult: compilation.name,
      request,
      state: "RUNNING",
      createTime: new Date().toISOString(),
      pid: process.pid,
      actions: [],
    };
    const file = this.#invocationFile(id);
    writeJsonAtomically(file, invocation);
    const run = this.#queue.then(() => this.#execute(file, invocation, compilation));
    // One failed bookkeeping write must not stop later invocations from running.
    this.#queue = run.catch(() => undefined);
    if (this.#options.runMode === "sync") await run;
    return { name: invocation.name };
  }

  async #execute(file: string, invocation: StoredInvocation, compilation: StoredCompilation): Promise<void> {
    const { request } = invocation;
    try {
      const result = await runDataform({
        warehouse: this.#options.warehouse,
        projectDir: this.#options.projectDir,
        graph: compilation.graph,
        ...(request.includedTags?.length ? { tags: request.includedTags } : {}),
        ...(request.includedTargets?.length ? { actions: request.includedTargets } : {}),
        fullRefresh: request.fullyRefresh === true,
        environment: { lakeRoot: this.#options.lakeRoot, piiHashKey: this.#options.piiHashKey },
        onAction: (action) => {
          invocation.actions.push(action);
          writeJsonAtomically(file, invocation);
        },
      });
      invocation.state = result.state;
    } catch (error) {
      invocation.state = "FAILED";
      invocation.failureReason = errorMessage(error);
    }
    invocation.endTime = new Date().toISOString();
    writeJsonAtomically(file, invocation);
    this.#options.logger?.info("dataform invocation finished", {
      invocation: invocation.name,
      state: invocation.state,
      failed: invocation.actions.filter((a) => a.state === "FAILED").map((a) => a.target),
    });
  }

  #read(name: string): StoredInvocation {
    const file = this.#invocationFile(idOf(name, "workflowInvocations"));
    const invocation = readJson<StoredInvocation>(file, `workflow invocation ${name}`);
    if (invocation.state === "RUNNING" && invocation.pid !== process.pid && !processAlive(invocation.pid)) {
      this.#adopt(file, invocation);
    }
    return invocation;
  }

  /**
   * Runs again, in this process, an invocation whose process died before it finished. Google's
   * Dataform keeps running an invocation whatever happens to the caller; the stand-in gets the
   * same outcome by re-running it, which is safe because every action replaces what it writes.
   */
  #adopt(file: string, invocation: StoredInvocation): void {
    this.#options.logger?.warn("dataform invocation orphaned by a dead process; running it again", {
      invocation: invocation.name,
      pid: invocation.pid,
    });
    invocation.pid = process.pid;
    invocation.actions = [];
    writeJsonAtomically(file, invocation);
    const compilation = readJson<StoredCompilation>(
      this.#compilationFile(idOf(invocation.compilationResult, "compilationResults")),
      `compilation result ${invocation.compilationResult}`,
    );
    const run = this.#queue.then(() => this.#execute(file, invocation, compilation));
    this.#queue = run.catch(() => undefined);
  }

  async getWorkflowInvocation(name: string): Promise<InvocationStatus> {
    const invocation = this.#read(name);
    return { name: invocation.name, state: invocation.state };
  }

  async queryWorkflowInvocationActions(name: string): Promise<InvocationAction[]> {
    const invocation = this.#read(name);
    const actions: InvocationAction[] = invocation.actions.map((action) => ({
      target: action.target,
      state: action.state,
      ...(action.failureReason ? { failureReason: action.failureReason } : {}),
      durationMs: action.durationMs,
      ...(action.rowsAffected === undefined ? {} : { rowsAffected: action.rowsAffected }),
      sql: action.sql.join(";\n"),
    }));
    if (
      invocation.state === "FAILED" &&
      invocation.failureReason &&
      !actions.some((a) => a.state === "FAILED")
    ) {
      actions.push({ target: "(invocation)", state: "FAILED", failureReason: invocation.failureReason });
    }
    return actions;
  }

  /** Resolves when every invocation started by this instance has finished. */
  async idle(): Promise<void> {
    await this.#queue;
  }
}
