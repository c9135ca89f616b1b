import { makeEvent } from "../../lib/contracts/events.ts";
import { PermanentError, StillRunning } from "../../lib/errors.ts";
import type { Hop } from "../../lib/hop.ts";
import type { DocumentData } from "../../lib/ports/documents.ts";

/** A segment of a Google Cloud resource name (project, location, repository, id). */
const SEGMENT = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}";
/** The shape of a Dataform workflow invocation's name, in Google Cloud and in the local stand-in. */
const WORKFLOW_INVOCATION = new RegExp(
  `^projects/${SEGMENT}/locations/${SEGMENT}/repositories/${SEGMENT}/workflowInvocations/${SEGMENT}$`,
);

/**
 * dataform-poll: reads the workflow invocation once per delivery. While it runs, the delivery fails
 * with StillRunning so the subscription redelivers after its backoff (no loop or sleep in the
 * function); an invocation that never ends runs out of delivery attempts and is dead-lettered.
 */
export const dataformPollHop: Hop<"dataform.invoked"> = {
  name: "dataform-poll",
  consumes: "dataform.invoked",
  layer: "gold",
  async handle(event, ctx) {
    const { transformations, ledger, now } = ctx.deps;
    // Refused here, not by the API: Dataform answers a malformed name with an error that would be
    // retried for every one of this subscription's 100 delivery attempts.
    if (!WORKFLOW_INVOCATION.test(event.workflow_invocation)) {
      throw new PermanentError(
        "invalid-identifier",
        `dataform.invoked workflow_invocation ${JSON.stringify(event.workflow_invocation)} is not a Dataform workflow invocation name (projects/…/locations/…/repositories/…/workflowInvocations/…)`,
      );
    }
    const invocation = await transformations.getWorkflowInvocation(event.workflow_invocation);
    if (invocation.state === "RUNNING" || invocation.state === "CANCELING") {
      throw new StillRunning(`Dataform invocation ${event.workflow_invocation} is ${invocation.state}`);
    }
    const actions = await transformations.queryWorkflowInvocationActions(event.workflow_invocation);
    const base = {
      source: "warehouse" as const,
      batch_date: event.batch_date,
      batch_id: event.batch_id,
      location: event.workflow_invocation,
      producer: "dataform-poll",
      workflow_invocation: event.workflow_invocation,
    };
    const rowsOut = actions.reduce((sum, a) => sum + (a.rowsAffected ?? 0), 0);
    if (invocation.state === "SUCCEEDED") {
      await ledger.recordStage(event.batch_date, "dataform", {
        state: "succeeded",
        finished_at: now().toISOString(),
        actions: actions.map((a) => ({
          target: a.target,
          state: a.state,
          rows_affected: a.rowsAffected ?? null,
          duration_ms: a.durationMs ?? null,
        })),
      } as DocumentData);
      return {
        rowsOut,
        publish: [makeEvent("dataform.completed", { ...base, record_count: rowsOut }, now())],
      };
    }
    const failed = actions.filter((a) => a.state === "FAILED");
    await ledger.recordStage(event.batch_date, "dataform", {
      state: "failed",
      finished_at: now().toISOString(),
      failed_actions: failed.map((a) => ({ target: a.target, reason: a.failureReason ?? "" })),
    } as DocumentData);
    ctx.log.error(`Dataform invocation ended ${invocation.state}`, {
      outcome: "failed",
      failed_actions: failed.map((a) => `${a.target}: ${a.failureReason ?? ""}`),
    });
    return {
      rowsOut,
      details: { state: invocation.state },
      publish: [
        makeEvent(
          "dataform.failed",
          { ...base, record_count: 0, state: invocation.state, failed_actions: failed.map((a) => a.target) },
          now(),
        ),
      ],
    };
  },
};
