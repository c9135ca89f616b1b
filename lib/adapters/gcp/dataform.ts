import { protos, v1 } from "@google-cloud/dataform";
import { ConfigError, PermanentError } from "../../errors.ts";
import type {
  CompilationRequest,
  InvocationAction,
  InvocationRequest,
  InvocationState,
  InvocationStatus,
  Transformations,
} from "../../ports/transformations.ts";

type ICreateCompilationResultRequest = protos.google.cloud.dataform.v1.ICreateCompilationResultRequest;
type ICompilationResult = protos.google.cloud.dataform.v1.ICompilationResult;
type ICreateWorkflowInvocationRequest = protos.google.cloud.dataform.v1.ICreateWorkflowInvocationRequest;
type IWorkflowInvocation = protos.google.cloud.dataform.v1.IWorkflowInvocation;
type IGetWorkflowInvocationRequest = protos.google.cloud.dataform.v1.IGetWorkflowInvocationRequest;
type IQueryWorkflowInvocationActionsRequest =
  protos.google.cloud.dataform.v1.IQueryWorkflowInvocationActionsRequest;
type IWorkflowInvocationAction = protos.google.cloud.dataform.v1.IWorkflowInvocationAction;
type ITarget = protos.google.cloud.dataform.v1.ITarget;
type ICompilationError = protos.google.cloud.dataform.v1.CompilationResult.ICompilationError;
const WorkflowInvocationState = protos.google.cloud.dataform.v1.WorkflowInvocation.State;
const ActionState = protos.google.cloud.dataform.v1.WorkflowInvocationAction.State;

/** The calls this adapter makes, as @google-cloud/dataform's v1 DataformClient has them. */
export interface DataformApi {
  createCompilationResult(
    request: ICreateCompilationResultRequest,
  ): Promise<[ICompilationResult, ...unknown[]]>;
  createWorkflowInvocation(
    request: ICreateWorkflowInvocationRequest,
  ): Promise<[IWorkflowInvocation, ...unknown[]]>;
  getWorkflowInvocation(request: IGetWorkflowInvocationRequest): Promise<[IWorkflowInvocation, ...unknown[]]>;
  queryWorkflowInvocationActionsAsync(
    request: IQueryWorkflowInvocationActionsRequest,
  ): AsyncIterable<IWorkflowInvocationAction>;
}

export interface CloudTransformationsOptions {
  /** `projects/<project>/locations/<region>/repositories/<repository>` (config.dataformRepository). */
  repository: string | undefined;
  /** Branch or commit compiled when a request names none. */
  defaultGitCommitish?: string;
  /** Vars under every compilation's own (lake_bucket, …). */
  defaultVars?: Record<string, string>;
}

const REPOSITORY = /^projects\/[^/]+\/locations\/[a-z]+-[a-z]+[0-9]\/repositories\/[A-Za-z0-9_-]+$/;

/** The regional Dataform client; created by the caller, never at module load. */
export function createDataformClient(): DataformApi {
  return new v1.DataformClient() as unknown as DataformApi;
}

function enumName<E extends Record<string, string | number>>(values: E, value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(values[value] ?? value);
  return "STATE_UNSPECIFIED";
}

function parseTarget(target: string): ITarget {
  const parts = target.split(".");
  if (parts.length === 2) return { schema: parts[0] ?? null, name: parts[1] ?? null };
  if (parts.length === 3)
    return { database: parts[0] ?? null, schema: parts[1] ?? null, name: parts[2] ?? null };
  throw new PermanentError("invalid-identifier", `target ${JSON.stringify(target)} is not dataset.name`);
}

function durationMs(interval: protos.google.type.IInterval | null | undefined): number | undefined {
  const millis = (t: protos.google.protobuf.ITimestamp | null | undefined) =>
    t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : undefined;
  const start = millis(interval?.startTime);
  const end = millis(interval?.endTime);
  return start === undefined || end === undefined ? undefined : end - start;
}

/**
 * The transformations port on Google Cloud's Dataform (v1 API): a compilation result of the
 * repository at a commit with the batch's vars, then a workflow invocation of it. Google Cloud's
 * Dataform does not run unit tests; the local runner and CI do.
 */
export class CloudTransformations implements Transformations {
  readonly #api: DataformApi;
  readonly #repository: string;
  readonly #options: CloudTransformationsOptions;

  constructor(api: DataformApi, options: CloudTransformationsOptions) {
    if (!options.repository || !REPOSITORY.test(options.repository)) {
      throw new ConfigError(
        `WINTER_DAYS_DATAFORM_REPOSITORY=${JSON.stringify(options.repository)} is not projects/<project>/locations/<region>/repositories/<name>`,
      );
    }
    this.#api = api;
    this.#repository = options.repository;
    this.#options = options;
  }

  /** The request createCompilationResult sends; exposed so its shape is tested offline. */
  compilationRequest(request: CompilationRequest): ICreateCompilationResultRequest {
    return {
      parent: this.#repository,
      compilationResult: {
        gitCommitish: request.gitCommitish ?? this.#options.defaultGitCommitish ?? "main",
        codeCompilationConfig: {
          vars: { ...this.#options.defaultVars, ...request.vars, dialect: "bigquery" },
        },
      },
    };
  }

  /** The request createWorkflowInvocation sends; exposed so its shape is tested offline. */
  invocationRequest(request: InvocationRequest): ICreateWorkflowInvocationRequest {
    return {
      parent: this.#repository,
      workflowInvocation: {
        compilationResult: request.compilationResult,
        invocationConfig: {
          includedTags: request.includedTags ?? [],
          includedTargets: (request.includedTargets ?? []).map(parseTarget),
          fullyRefreshIncrementalTablesEnabled: request.fullyRefresh === true,
        },
      },
    };
  }

  async createCompilationResult(request: CompilationRequest): Promise<{ name: string }> {
    const [result] = await this.#api.createCompilationResult(this.compilationRequest(request));
    const errors = result.compilationErrors ?? [];
    if (errors.length > 0) {
      const lines = errors.map(
        (e: ICompilationError) => `${e.path ?? "(project)"}: ${e.message ?? "unknown error"}`,
      );
      throw new PermanentError("job-failed", `Dataform compilation failed: ${lines.join("; ")}`);
    }
    if (!result.name) throw new Error("Dataform returned a compilation result without a name");
    return { name: result.name };
  }

  async createWorkflowInvocation(request: InvocationRequest): Promise<{ name: string }> {
    const [invocation] = await this.#api.createWorkflowInvocation(this.invocationRequest(request));
    if (!invocation.name) throw new Error("Dataform returned a workflow invocation without a name");
    return { name: invocation.name };
  }

  async getWorkflowInvocation(name: string): Promise<InvocationStatus> {
    const [invocation] = await this.#api.getWorkflowInvocation({ name });
    const state = enumName(WorkflowInvocationState, invocation.state);
    const known: InvocationState[] = ["RUNNING", "SUCCEEDED", "FAILED", "CANCELLED", "CANCELING"];
    if (!known.includes(state as InvocationState))
      throw new Error(`workflow invocation ${name} is in state ${state}`);
    return { name, state: state as InvocationState };
  }

  async queryWorkflowInvocationActions(name: string): Promise<InvocationAction[]> {
    const actions: InvocationAction[] = [];
    for await (const action of this.#api.queryWorkflowInvocationActionsAsync({ name })) {
      actions.push(toInvocationAction(action));
    }
    return actions;
  }
}

/** One Dataform API action in the port's shape (`dataset.name`, state name, duration, SQL). */
export function toInvocationAction(action: IWorkflowInvocationAction): InvocationAction {
  const target = action.target ? `${action.target.schema ?? ""}.${action.target.name ?? ""}` : "(unknown)";
  const duration = durationMs(action.invocationTiming);
  const sql = action.bigqueryAction?.sqlScript ?? undefined;
  return {
    target,
    state: enumName(ActionState, action.state),
    ...(action.failureReason ? { failureReason: action.failureReason } : {}),
    ...(duration === undefined ? {} : { durationMs: duration }),
    ...(sql ? { sql } : {}),
  };
}
