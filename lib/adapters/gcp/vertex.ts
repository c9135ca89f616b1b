import type { protos } from "@google-cloud/aiplatform";
import type { Config } from "../../config.ts";
import { errorMessage, PermanentError } from "../../errors.ts";
import { isMetricsFile, type MetricsRow } from "../../ml/prediction-files.ts";
import type { ChurnPipelines, PipelineState, PipelineStatus, PipelineSubmission } from "../../ports/ml.ts";
import { type ObjectStore, parseGsUri } from "../../ports/objects.ts";

type ICreatePipelineJobRequest = protos.google.cloud.aiplatform.v1.ICreatePipelineJobRequest;
type IGetPipelineJobRequest = protos.google.cloud.aiplatform.v1.IGetPipelineJobRequest;
type IPipelineJob = protos.google.cloud.aiplatform.v1.IPipelineJob;

/** The calls this adapter makes, as @google-cloud/aiplatform's v1 PipelineServiceClient has them. */
export interface PipelineJobsApi {
  createPipelineJob(request: ICreatePipelineJobRequest): Promise<[IPipelineJob, ...unknown[]]>;
  getPipelineJob(request: IGetPipelineJobRequest): Promise<[IPipelineJob, ...unknown[]]>;
}

/** Vertex AI's regional API endpoint: pipeline jobs live in the region they are created in. */
export function vertexApiEndpoint(region: string): string {
  return `${region}-aiplatform.googleapis.com`;
}

/**
 * The regional PipelineServiceClient; created on first use, never at module load. The package is
 * imported here too, so functions that never submit a pipeline do not load it.
 */
export async function createPipelineServiceClient(region: string): Promise<PipelineJobsApi> {
  const { v1 } = await import("@google-cloud/aiplatform");
  return new v1.PipelineServiceClient({
    apiEndpoint: vertexApiEndpoint(region),
  }) as unknown as PipelineJobsApi;
}

export interface VertexChurnPipelinesOptions {
  project: string;
  /** Vertex AI region of the jobs (config.region). */
  region: string;
  /** BigQuery location of the pipeline's query jobs (config.bigqueryLocation): its `location` parameter. */
  bigqueryLocation: string;
  /** The pipeline's dedicated service account e-mail. */
  serviceAccount: string;
  /** gs:// URI of the compiled spec, vertex/churn_pipeline.json as terraform uploads it. */
  templateUri: string;
  /** gs:// pipeline root for the job's own artifacts. */
  pipelineRoot: string;
  /** Reads the job's metrics file when it succeeded (model version, prediction count). */
  objects: ObjectStore;
  /** Defaults to createPipelineServiceClient(region) on first use. */
  client?: PipelineJobsApi;
}

/** The deployment's settings for the churn pipeline (terraform sets them; config derives defaults). */
export function vertexOptionsFromConfig(config: Config, objects: ObjectStore): VertexChurnPipelinesOptions {
  return {
    project: config.project,
    region: config.region,
    bigqueryLocation: config.bigqueryLocation,
    serviceAccount: config.vertexServiceAccount,
    templateUri: config.vertexPipelineTemplate,
    pipelineRoot: config.vertexPipelineRoot,
    objects,
  };
}

/** gRPC codes of a request Vertex AI will refuse however often it is sent. */
const ALREADY_EXISTS = 6;
const REFUSED = new Set([
  3 /* INVALID_ARGUMENT */, 5 /* NOT_FOUND */, 7 /* PERMISSION_DENIED */, 9 /* FAILED_PRECONDITION */,
]);

const STATES: Record<string, PipelineState> = {
  PIPELINE_STATE_UNSPECIFIED: "PENDING",
  PIPELINE_STATE_QUEUED: "QUEUED",
  PIPELINE_STATE_PENDING: "PENDING",
  PIPELINE_STATE_RUNNING: "RUNNING",
  PIPELINE_STATE_SUCCEEDED: "SUCCEEDED",
  PIPELINE_STATE_FAILED: "FAILED",
  PIPELINE_STATE_CANCELLING: "CANCELLING",
  PIPELINE_STATE_CANCELLED: "CANCELLED",
  PIPELINE_STATE_PAUSED: "PAUSED",
};
/** PipelineState's numeric values, in proto order, for a client that returns enums as numbers. */
const STATE_NAMES = Object.keys(STATES);

/** Our state from the API's (string or number) PipelineState. */
export function pipelineState(state: IPipelineJob["state"]): PipelineState {
  const name = typeof state === "number" ? STATE_NAMES[state] : state;
  return STATES[name ?? "PIPELINE_STATE_UNSPECIFIED"] ?? "PENDING";
}

function grpcCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "number" ? code : undefined;
}

/**
 * The ML pipeline port on Vertex AI Pipelines: one PipelineJob of the compiled churn pipeline per
 * batch, created under the submission's job id (Vertex AI refuses a second job with the same id,
 * which is how a repeated submission finds the first), run by a dedicated service account.
 */
export class VertexChurnPipelines implements ChurnPipelines {
  readonly #options: VertexChurnPipelinesOptions;
  #client: Promise<PipelineJobsApi> | undefined;

  constructor(options: VertexChurnPipelinesOptions) {
    this.#options = options;
    if (options.client) this.#client = Promise.resolve(options.client);
  }

  #api(): Promise<PipelineJobsApi> {
    this.#client ??= createPipelineServiceClient(this.#options.region);
    return this.#client;
  }

  /** `projects/<project>/locations/<region>`. */
  get parent(): string {
    return `projects/${this.#options.project}/locations/${this.#options.region}`;
  }

  /** The createPipelineJob request of a submission; exposed so its shape is tested offline. */
  createRequest(submission: PipelineSubmission): ICreatePipelineJobRequest {
    const { project, bigqueryLocation, serviceAccount, templateUri, pipelineRoot } = this.#options;
    return {
      parent: this.parent,
      pipelineJobId: submission.jobId,
      pipelineJob: {
        displayName: `winter-days churn ${submission.batchDate}`,
        templateUri,
        serviceAccount,
        labels: { app: "winter-days", stage: "churn", batch_date: submission.batchDate },
        runtimeConfig: {
          gcsOutputDirectory: pipelineRoot,
          parameterValues: {
            project: { stringValue: project },
            location: { stringValue: bigqueryLocation },
            batch_date: { stringValue: submission.batchDate },
            feature_table: { stringValue: submission.featureTable },
            output_uri: { stringValue: submission.outputUri },
            label_window_days: { numberValue: submission.labelWindowDays },
          },
        },
      },
    };
  }

  async submit(submission: PipelineSubmission): Promise<{ name: string }> {
    const request = this.createRequest(submission);
    try {
      const [job] = await (await this.#api()).createPipelineJob(request);
      return { name: job.name ?? `${this.parent}/pipelineJobs/${submission.jobId}` };
    } catch (error) {
      // The job of this id exists: a repeated submission, answered with the job it started.
      if (grpcCode(error) === ALREADY_EXISTS)
        return { name: `${this.parent}/pipelineJobs/${submission.jobId}` };
      if (REFUSED.has(grpcCode(error) ?? -1)) {
        throw new PermanentError(
          "job-failed",
          `Vertex AI refused pipeline job ${submission.jobId}: ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }

  async get(name: string): Promise<PipelineStatus> {
    let job: IPipelineJob;
    try {
      [job] = await (await this.#api()).getPipelineJob({ name });
    } catch (error) {
      if (grpcCode(error) === 5)
        throw new PermanentError("missing-object", `pipeline job ${name} does not exist`, { cause: error });
      throw error;
    }
    const state = pipelineState(job.state);
    if (state === "FAILED" || state === "CANCELLED") {
      return { name, state, error: job.error?.message || `pipeline job ended ${state}` };
    }
    if (state !== "SUCCEEDED") return { name, state };
    const outputUri = job.runtimeConfig?.parameterValues?.output_uri?.stringValue ?? undefined;
    if (!outputUri) return { name, state };
    const metrics = await this.#metrics(outputUri);
    return {
      name,
      state,
      outputUri,
      ...(metrics
        ? { modelVersion: metrics.model_version, predictions: Number(metrics.scored_customers) }
        : {}),
    };
  }

  /** The job's metrics row (BigQuery's JSON export writes INT64 as strings, hence Number above). */
  async #metrics(outputUri: string): Promise<MetricsRow | undefined> {
    const { bucket, name: prefix } = parseGsUri(outputUri.endsWith("/") ? outputUri : `${outputUri}/`);
    const file = (await this.#options.objects.list(bucket, prefix)).find((o) => isMetricsFile(o.name));
    if (!file) return undefined;
    const line = (await this.#options.objects.read(bucket, file.name)).toString("utf8").split("\n")[0] ?? "";
    return JSON.parse(line) as MetricsRow;
  }
}
