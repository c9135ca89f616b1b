import type { HttpFunction } from "@google-cloud/functions-framework";
import {
  type DlqDeps,
  parseFilters,
  type ReplayFilter,
  type ReplayOptions,
  replayDeadLetters,
} from "../../lib/dlq.ts";
import { ConfigError, errorMessage, PermanentError } from "../../lib/errors.ts";
import type { HopDeps } from "../../lib/hop.ts";

/** What the function needs: the events port, the topology, the deployment's prefix, a logger. */
export type DlqReplayDeps = Pick<HopDeps, "events" | "topology" | "config" | "log" | "now">;

/**
 * How many messages one call replays when the request does not say: enough for a day's dead
 * letters, few enough to finish well within the function's timeout. Call again for more.
 */
export const DEFAULT_MAX_PER_CALL = 500;

const FIELDS = new Set(["subscription", "filter", "max", "rate", "dry_run"]);

const invalid = (message: string) => new PermanentError("schema-violation", `dlq-replay request: ${message}`);

function parseFilterField(filter: unknown): ReplayFilter[] {
  if (filter === undefined) return [];
  if (Array.isArray(filter)) {
    if (!filter.every((f) => typeof f === "string"))
      throw invalid("filter must be a list of key=value strings");
    return parseFilters(filter);
  }
  if (typeof filter === "object" && filter !== null) {
    const filters: ReplayFilter[] = [];
    for (const [key, value] of Object.entries(filter)) {
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) {
        if (typeof v !== "string") throw invalid(`filter.${key} must be a string or a list of strings`);
        filters.push({ key, value: v });
      }
    }
    return filters;
  }
  throw invalid('filter must be ["key=value", …] or {"key": "value" | ["value", …]}');
}

/**
 * Reads `{subscription, filter?, max?, rate?, dry_run?}`; every problem names its field.
 * `filter` is `["key=value", …]` or `{"key": "value" | ["value", …]}`.
 */
export function parseReplayRequest(body: unknown): ReplayOptions {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw invalid("the body must be a JSON object");
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0)
    throw invalid(`unknown field(s) ${unknown.join(", ")}; expected ${[...FIELDS].join(", ")}`);
  const { subscription, filter, max, rate, dry_run } = fields;
  if (typeof subscription !== "string" || subscription === "") {
    throw invalid(
      "subscription is required: a keep subscription or dead-letter topic, e.g. export-dead-letter-keep",
    );
  }
  if (max !== undefined && !(typeof max === "number" && Number.isSafeInteger(max) && max > 0)) {
    throw invalid(`max must be a positive integer, got ${JSON.stringify(max)}`);
  }
  if (rate !== undefined && !(typeof rate === "number" && Number.isFinite(rate) && rate > 0)) {
    throw invalid(`rate must be a positive number of messages per second, got ${JSON.stringify(rate)}`);
  }
  if (dry_run !== undefined && typeof dry_run !== "boolean") {
    throw invalid(`dry_run must be true or false, got ${JSON.stringify(dry_run)}`);
  }
  return {
    subscription,
    filters: parseFilterField(filter),
    max: (max as number | undefined) ?? DEFAULT_MAX_PER_CALL,
    ...(rate === undefined ? {} : { rate: rate as number }),
    dryRun: dry_run === true,
  };
}

/**
 * The dlq-replay HTTP function: POST a replay request, get the replay summary. 200 when the replay
 * ran (its `failed` count says what was left in place), 400 for a request that names nothing
 * replayable, 500 when the replay stopped early or the deployment is wrong, 503 for anything else
 * (worth retrying: nothing is acknowledged before its republish succeeded).
 */
export function dlqReplayHandler(getDeps: () => Promise<DlqReplayDeps>): HttpFunction {
  return async (req, res) => {
    if (req.method !== "POST") {
      res.set("Allow", "POST").status(405).json({ error: "POST a JSON replay request" });
      return;
    }
    const deps = await getDeps();
    const log = deps.log.child({ function: "dlq-replay" });
    try {
      const request = parseReplayRequest(req.body);
      const dlqDeps: DlqDeps = {
        events: deps.events,
        topology: deps.topology,
        prefix: deps.config.prefix,
        now: deps.now,
        log,
      };
      const summary = await replayDeadLetters(dlqDeps, request);
      res.status(summary.aborted ? 500 : 200).json(summary);
    } catch (error) {
      const status = error instanceof PermanentError ? 400 : error instanceof ConfigError ? 500 : 503;
      log.error("dlq-replay failed", { outcome: status === 400 ? "rejected" : "failed", error });
      res.status(status).json({ error: errorMessage(error) });
    }
  };
}
