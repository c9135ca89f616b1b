import { stageBatchId } from "../../lib/batch-key.ts";
import { type BronzeReady, makeEvent } from "../../lib/contracts/events.ts";
import { TransientError } from "../../lib/errors.ts";
import type { Hop, HopContext, HopOutcome } from "../../lib/hop.ts";
import type { RunRecord } from "../../lib/ledger.ts";
import type { DocumentData } from "../../lib/ports/documents.ts";
import { sourcesDue } from "../generate/handle.ts";

/** A claim older than this is treated as abandoned by a crashed instance and may be taken over. */
const CLAIM_TIMEOUT_MS = 10 * 60 * 1000;

export interface DataformStage {
  batch_id: string;
  source_batches: Record<string, string>;
  state: "invoking" | "invoked" | "succeeded" | "failed";
  claimed_at: string;
  /** The delivery that claimed the right to start the invocation. */
  claimed_by?: { event_id: string; attempt: number };
  compilation_result?: string;
  workflow_invocation?: string;
  fully_refresh?: boolean;
  failed_actions?: string[];
}

/** The batch id per due source once every one of them is in bronze; undefined while some are missing. */
function readyBatches(run: RunRecord | undefined, batchDate: string): Record<string, string> | undefined {
  const batches: Record<string, string> = {};
  for (const source of sourcesDue(batchDate)) {
    const facts = run?.sources?.[source];
    if (!facts?.batch_id || facts.bronze === undefined) return undefined;
    batches[source] = facts.batch_id;
  }
  return batches;
}

type Claim =
  | { kind: "waiting" }
  | { kind: "stale" }
  | { kind: "mine"; stage: DataformStage }
  | { kind: "done"; stage: DataformStage };

/**
 * The ledger is the barrier: the transaction that sees every due source in bronze and no invocation
 * for that set of batches claims the right to start one; every other delivery sees the claim.
 */
async function claim(event: BronzeReady, ctx: HopContext): Promise<Claim> {
  const { documents, config, now } = ctx.deps;
  return await documents.transaction(async (tx): Promise<Claim> => {
    const run = await tx.get<RunRecord & DocumentData>(config.ledgerCollection, event.batch_date);
    if (run?.sources?.[event.source]?.batch_id !== event.batch_id) return { kind: "stale" };
    const batches = readyBatches(run, event.batch_date);
    if (!batches) return { kind: "waiting" };
    const batchId = stageBatchId("warehouse", event.batch_date, batches);
    const current = run.stages?.dataform as DataformStage | undefined;
    if (current?.batch_id === batchId) {
      if (current.workflow_invocation) return { kind: "done", stage: current };
      const age = now().getTime() - Date.parse(current.claimed_at);
      // A later attempt of the very message that claimed means that delivery is over: it crashed
      // or timed out before recording the invocation, and only this one can finish the job.
      const mineBefore =
        current.claimed_by?.event_id === ctx.eventId && current.claimed_by.attempt < ctx.deliveryAttempt;
      if (age < CLAIM_TIMEOUT_MS && !mineBefore) {
        throw new TransientError(`Dataform invocation for ${batchId} is being started by another delivery`);
      }
    }
    const stage: DataformStage = {
      batch_id: batchId,
      source_batches: batches,
      state: "invoking",
      claimed_at: now().toISOString(),
      claimed_by: { event_id: ctx.eventId, attempt: ctx.deliveryAttempt },
    };
    tx.update(config.ledgerCollection, event.batch_date, {
      "stages.dataform": stage as unknown as DocumentData,
    });
    return { kind: "mine", stage };
  });
}

function invoked(event: BronzeReady, ctx: HopContext, stage: DataformStage): HopOutcome {
  return {
    rowsIn: event.record_count,
    details: { workflow_invocation: stage.workflow_invocation },
    publish: [
      makeEvent(
        "dataform.invoked",
        {
          source: "warehouse",
          batch_date: event.batch_date,
          batch_id: stage.batch_id,
          location: stage.workflow_invocation ?? "",
          record_count: 0,
          producer: "dataform-invoke",
          compilation_result: stage.compilation_result ?? "",
          workflow_invocation: stage.workflow_invocation ?? "",
          source_batches: stage.source_batches,
        },
        ctx.deps.now(),
      ),
    ],
  };
}

/**
 * dataform-invoke: once every source due on the batch date is in bronze, compiles the Dataform
 * project for that date and starts one workflow invocation; repeats and late deliveries start none.
 */
export const dataformInvokeHop: Hop<"bronze.ready"> = {
  name: "dataform-invoke",
  consumes: "bronze.ready",
  async handle(event, ctx) {
    const claimed = await claim(event, ctx);
    if (claimed.kind === "stale") {
      return { publish: [], dropped: "bronze.ready of a batch that is no longer the date's current one" };
    }
    if (claimed.kind === "waiting") {
      ctx.log.info("waiting for the other sources of the date before starting Dataform", {
        outcome: "waiting",
      });
      return { publish: [] };
    }
    if (claimed.kind === "done") return invoked(event, ctx, claimed.stage);
    const { transformations, config, ledger } = ctx.deps;
    const compilation = await transformations.createCompilationResult({
      vars: { batch_date: event.batch_date, lake_bucket: config.lakeBucket },
    });
    // The first build of the warehouse reads every date already in bronze (an initial history load);
    // after that each invocation replaces only its own date's partitions.
    const fullyRefresh = !(await ledger.anyStageIn("dataform", "succeeded"));
    const invocation = await transformations.createWorkflowInvocation({
      compilationResult: compilation.name,
      fullyRefresh,
    });
    const stage: DataformStage = {
      ...claimed.stage,
      fully_refresh: fullyRefresh,
      state: "invoked",
      compilation_result: compilation.name,
      workflow_invocation: invocation.name,
    };
    await ledger.recordStage(event.batch_date, "dataform", stage as unknown as DocumentData);
    return invoked(event, ctx, stage);
  },
};
