import type { HttpFunction } from "@google-cloud/functions-framework";
import { classifyFailure, errorMessage, PermanentError } from "../../lib/errors.ts";
import type { HopDeps } from "../../lib/hop.ts";
import { type GenerateRequest, generateBatch, parseGenerateRequest } from "./handle.ts";

export interface GenerateHttpOptions {
  /** What "today" (or a missing date) means; default the clock of the deps. */
  today?: () => Date;
}

/** Body of a 200: the batch.landed event the generator published, so a caller can pass it on. */
export interface GenerateHttpResponse {
  batch_id: string;
  records: number;
  event: Awaited<ReturnType<typeof generateBatch>>["event"];
}

/**
 * The generator as an HTTP function, for Cloud Scheduler, the backfill workflow and the local hop
 * server. A request that cannot be a batch answers 400 naming the field; a permanent failure while
 * generating answers 422 (neither is worth retrying); anything else answers 503, which schedulers
 * and the workflow's retry predicate retry: generating the same batch again rewrites it in place.
 */
export function generateHttp(
  getDeps: () => Promise<HopDeps>,
  options: GenerateHttpOptions = {},
): HttpFunction {
  return async (req, res) => {
    const deps = await getDeps();
    let request: GenerateRequest;
    try {
      request = parseGenerateRequest(req.body, options.today ?? deps.now);
    } catch (error) {
      const reason = error instanceof PermanentError ? error.reason : "schema-violation";
      deps.log.warn("generate request refused", { hop: "generate", outcome: "rejected", reason, error });
      res.status(400).json({ outcome: "rejected", reason, error: errorMessage(error) });
      return;
    }
    try {
      const result = await generateBatch(deps, request);
      const body: GenerateHttpResponse = {
        batch_id: result.event.batch_id,
        records: result.records,
        event: result.event,
      };
      res.status(200).json(body);
    } catch (error) {
      const permanent = classifyFailure(error) === "permanent";
      deps.log.error("generate failed", {
        hop: "generate",
        outcome: permanent ? "rejected" : "retrying",
        error,
      });
      if (permanent) {
        const reason = error instanceof PermanentError ? error.reason : "unknown";
        res.status(422).json({ outcome: "rejected", reason, error: errorMessage(error) });
      } else {
        res.status(503).json({ outcome: "retrying", error: errorMessage(error) });
      }
    }
  };
}
