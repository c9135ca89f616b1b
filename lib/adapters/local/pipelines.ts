import { randomUUID } from "node:crypto";
import { link, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { errorMessage, PermanentError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { runChurnJob } from "../../ml/job.ts";
import type { TrainerOptions } from "../../ml/trainer.ts";
import {
  type ChurnPipelines,
  type PipelineState,
  type PipelineStatus,
  type PipelineSubmission,
  TERMINAL_PIPELINE_STATES,
} from "../../ports/ml.ts";
import type { ObjectStore } from "../../ports/objects.ts";
import type { Warehouse } from "../../ports/warehouse.ts";
import { processAlive } from "./process-alive.ts";

export interface LocalChurnPipelinesOptions {
  /** The DuckDB warehouse holding churn_features (opened on first use). */
  warehouse: () => Promise<Warehouse>;
  objects: ObjectStore;
  /** Folder of the job records, `<dataDir>/pipelines/`. */
  stateDir: string;
  /** The lake bucket: the planted truth is read from it for the oracle metrics. */
  lakeBucket: string;
  now: () => Date;
  log?: Logger;
  /** Training settings other than the label window, which each submission carries. */
  trainer?: Partial<Omit<TrainerOptions, "labelWindowDays">>;
}

/** The job record kept on disk, one JSON file per job id. */
interface JobRecord {
  name: string;
  job_id: string;
  submission: PipelineSubmission;
  state: PipelineState;
  create_time: string;
  update_time: string;
  start_time?: string;
  end_time?: string;
  /** How many times a runner started the job (a restart after a crash adds one). */
  runs: number;
  /** The process and instance running it while it is not terminal. */
  runner?: { pid: number; instance: string };
  output_uri?: string;
  model_version?: string;
  predictions?: number;
  error?: string;
}

/** Vertex AI's rule for pipeline job ids, kept offline so a bad id fails here as it would there. */
const JOB_ID = /^[a-z0-9][a-z0-9-]{0,127}$/;
const NAME_PREFIX = "projects/local/locations/local/pipelineJobs/";

/** Jobs being run by this process, by record file: shared by every instance, so none starts one twice. */
const runningInProcess = new Map<string, Promise<void>>();

/**
 * The ML pipeline port offline: each submission is a job record under stateDir, run in the background
 * of this process by the local trainer (lib/ml/job.ts), which writes the same prediction and metrics
 * files the Vertex AI pipeline writes.
 *
 * Restarts: a job found QUEUED or RUNNING on disk that no live runner owns (its process is gone, or it
 * is this process and the job is not running here) is started again from the beginning. That is safe
 * because a run only replaces files with deterministic names, and it is what Vertex AI users expect of
 * a job: it ends, one way or another. A job owned by another live process is left to it.
 */
export class LocalChurnPipelines implements ChurnPipelines {
  readonly #options: LocalChurnPipelinesOptions;
  readonly #instance = randomUUID();
  /** Runs started by this instance, so close() can wait for them. */
  readonly #runs = new Set<Promise<void>>();

  constructor(options: LocalChurnPipelinesOptions) {
    this.#options = options;
  }

  #file(jobId: string): string {
    return path.join(this.#options.stateDir, `${jobId}.json`);
  }

  async #read(jobId: string): Promise<JobRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.#file(jobId), "utf8")) as JobRecord;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  /** Replaces the record atomically, so a crash never leaves half a file. */
  async #write(record: JobRecord): Promise<void> {
    const file = this.#file(record.job_id);
    // One name per call: two writes of one record in this process must not share a temporary file.
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify(record, null, 2));
    await rename(temporary, file);
  }

  /**
   * Creates the record unless one exists; resolves false when it did. The complete file is linked
   * into place, so a reader never sees half a record and two submitters never both create it.
   */
  async #create(record: JobRecord): Promise<boolean> {
    await mkdir(this.#options.stateDir, { recursive: true });
    const file = this.#file(record.job_id);
    // One name per call: concurrent submissions of one job (duplicate deliveries) must not unlink
    // each other's temporary file between its write and its link.
    const temporary = `${file}.${randomUUID()}.new`;
    await writeFile(temporary, JSON.stringify(record, null, 2));
    try {
      await link(temporary, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw error;
    } finally {
      await unlink(temporary);
    }
  }

  async submit(submission: PipelineSubmission): Promise<{ name: string }> {
    if (!JOB_ID.test(submission.jobId)) {
      throw new PermanentError(
        "invalid-identifier",
        `pipeline job id ${JSON.stringify(submission.jobId)} must be 1-128 lowercase letters, digits or dashes, starting with a letter or digit`,
      );
    }
    const now = this.#options.now().toISOString();
    const record: JobRecord = {
      name: `${NAME_PREFIX}${submission.jobId}`,
      job_id: submission.jobId,
      submission,
      state: "QUEUED",
      create_time: now,
      update_time: now,
      runs: 0,
    };
    if (await this.#create(record)) {
      this.#start(record);
      return { name: record.name };
    }
    // The same id names the same job: a repeated submission starts nothing new (unless abandoned).
    const existing = await this.#read(submission.jobId);
    if (existing) this.#resumeIfAbandoned(existing);
    return { name: record.name };
  }

  async get(name: string): Promise<PipelineStatus> {
    const jobId = name.startsWith(NAME_PREFIX) ? name.slice(NAME_PREFIX.length) : "";
    const record = JOB_ID.test(jobId) ? await this.#read(jobId) : undefined;
    if (!record)
      throw new PermanentError(
        "missing-object",
        `pipeline job ${name} does not exist in ${this.#options.stateDir}`,
      );
    this.#resumeIfAbandoned(record);
    return {
      name: record.name,
      state: record.state,
      ...(record.output_uri === undefined ? {} : { outputUri: record.output_uri }),
      ...(record.model_version === undefined ? {} : { modelVersion: record.model_version }),
      ...(record.predictions === undefined ? {} : { predictions: record.predictions }),
      ...(record.error === undefined ? {} : { error: record.error }),
    };
  }

  /** Resolves once this process has no runner left on the job (for callers that want to wait). */
  async settled(name: string): Promise<PipelineStatus> {
    const jobId = name.slice(NAME_PREFIX.length);
    await runningInProcess.get(path.resolve(this.#file(jobId)));
    return this.get(name);
  }

  /**
   * Waits for the jobs this instance is running. Call it before closing the warehouse: a job cut off
   * mid-run would otherwise record a failure that was only the shutdown.
   */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#runs]);
  }

  #resumeIfAbandoned(record: JobRecord): void {
    if (TERMINAL_PIPELINE_STATES.has(record.state)) return;
    if (runningInProcess.has(path.resolve(this.#file(record.job_id)))) return;
    const owner = record.runner;
    if (owner && owner.pid !== process.pid && processAlive(owner.pid)) return;
    this.#options.log?.warn("churn pipeline job has no live runner; running it again", {
      pipeline_job: record.name,
      state: record.state,
      runs: record.runs,
    });
    this.#start(record);
  }

  #start(record: JobRecord): void {
    const key = path.resolve(this.#file(record.job_id));
    const run: Promise<void> = this.#run(record).finally(() => {
      runningInProcess.delete(key);
      this.#runs.delete(run);
    });
    runningInProcess.set(key, run);
    this.#runs.add(run);
  }

  async #run(queued: JobRecord): Promise<void> {
    const { now, log } = this.#options;
    let record: JobRecord = {
      ...queued,
      state: "RUNNING",
      start_time: now().toISOString(),
      update_time: now().toISOString(),
      runs: queued.runs + 1,
      runner: { pid: process.pid, instance: this.#instance },
    };
    try {
      await this.#write(record);
      const result = await runChurnJob(
        record.submission,
        {
          warehouse: await this.#options.warehouse(),
          objects: this.#options.objects,
          lakeBucket: this.#options.lakeBucket,
          now,
        },
        this.#options.trainer,
      );
      record = {
        ...record,
        state: "SUCCEEDED",
        output_uri: result.outputUri,
        model_version: result.modelVersion,
        predictions: result.predictions,
      };
      log?.info("churn pipeline job succeeded", {
        pipeline_job: record.name,
        model_version: result.modelVersion,
        predictions: result.predictions,
        roc_auc: result.metrics.roc_auc,
        oracle_ratio: result.metrics.oracle_ratio,
      });
    } catch (error) {
      record = { ...record, state: "FAILED", error: errorMessage(error) };
      log?.error("churn pipeline job failed", { pipeline_job: record.name, error });
    }
    const { runner: _finished, ...rest } = record;
    await this.#write({ ...rest, end_time: now().toISOString(), update_time: now().toISOString() }).catch(
      (error: unknown) =>
        log?.error("could not record the end of a churn pipeline job", { pipeline_job: record.name, error }),
    );
  }
}
