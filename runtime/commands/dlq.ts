import { type Command, InvalidArgumentError, Option } from "commander";
import type { Config } from "../../lib/config.ts";
import {
  type DeadLetterListing,
  type DlqDeps,
  listDeadLetters,
  parseFilters,
  type ReplaySummary,
  replayDeadLetters,
} from "../../lib/dlq.ts";
import { PermanentError } from "../../lib/errors.ts";
import { deliverPending } from "../chain.ts";
import type { DrainResult } from "../local/dispatcher.ts";
import type { LocalPlatform } from "../local/platform.ts";
import { parsePositiveNumber, withPlatform, write } from "./context.ts";

function dlqDeps(platform: LocalPlatform, config: Config): DlqDeps {
  return {
    events: platform.deps.events,
    topology: platform.deps.topology,
    prefix: config.prefix,
    now: platform.deps.now,
    log: platform.deps.log,
  };
}

function parsePositiveInteger(value: string): number {
  const parsed = Number(value);
  if (!(Number.isSafeInteger(parsed) && parsed > 0)) {
    throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

function parseFilter(value: string, previous: string[] = []): string[] {
  if (value.indexOf("=") < 1)
    throw new InvalidArgumentError(`expected key=value, got ${JSON.stringify(value)}`);
  return [...previous, value];
}

/** Invalid operator input from the library (an unknown subscription, say) reads as a usage error. */
async function asUsageErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof PermanentError) throw new InvalidArgumentError(error.message);
    throw error;
  }
}

function table(headers: string[], rows: string[][]): string {
  const cells = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** `42s`, `17m`, `5h 3m`, `2d 4h`: how long a message has waited, at a glance. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const dash = (value: string | number | undefined) => (value === undefined ? "-" : String(value));

/** The listing as people read it: one table per keep subscription, each error under its table. */
export function renderListing(listing: DeadLetterListing): string {
  const out: string[] = [];
  for (const target of listing.subscriptions) {
    const letters = listing.messages.filter((m) => m.subscription === target.subscription);
    out.push(
      `${target.subscription}: ${letters.length === 0 ? "no dead letters" : `${letters.length} dead letter(s)`}`,
    );
    if (letters.length === 0) continue;
    out.push(
      table(
        [
          "message",
          "source subscription",
          "original topic",
          "attempts",
          "reason",
          "hop",
          "batch",
          "age",
          "replays",
        ],
        letters.map((l) => [
          l.message_id,
          dash(l.source_subscription),
          dash(l.original_topic),
          dash(l.delivery_attempts),
          l.reason,
          dash(l.hop),
          [l.batch_date, l.source, l.event_type].filter(Boolean).join(" ") || "-",
          formatAge(l.age_ms),
          String(l.replay_count),
        ]),
      ),
    );
    for (const l of letters) {
      if (l.error_message) {
        const seen = l.first_seen ? ` (first seen ${l.first_seen})` : "";
        out.push(`  ${l.message_id}${seen}: ${l.error_class ? `${l.error_class}: ` : ""}${l.error_message}`);
      }
      if (l.problem) out.push(`  ${l.message_id}: cannot be replayed: ${l.problem}`);
    }
    out.push("");
  }
  const total = listing.messages.length;
  out.push(
    total === 0
      ? "no dead letters"
      : `${total} dead letter(s); replay with: winter-days dlq replay --subscription <subscription>`,
  );
  return out.join("\n");
}

/** The replay summary as people read it. */
export function renderReplay(
  summary: ReplaySummary,
  after?: { deliveries: DrainResult; remaining: number },
): string {
  const out: string[] = [];
  const done = summary.dry_run
    ? `dry run: would replay ${summary.would_replay}`
    : `replayed ${summary.replayed}`;
  out.push(`${done} from ${summary.subscription}; skipped ${summary.skipped}, failed ${summary.failed}`);
  const topics = Object.entries(summary.by_topic);
  if (topics.length > 0) {
    out.push(
      "",
      table(
        ["original topic", summary.dry_run ? "would replay" : "replayed", "failed"],
        topics.map(([topic, t]) => [
          topic,
          String(summary.dry_run ? t.would_replay : t.replayed),
          String(t.failed),
        ]),
      ),
    );
  }
  const planned = summary.messages.filter((m) => m.outcome === "would-replay");
  if (planned.length > 0) {
    out.push("", "would replay:");
    for (const m of planned) {
      const event = [m.batch_date, m.source, m.event_type].filter(Boolean).join(" ");
      out.push(`  ${m.message_id} -> ${m.original_topic}  (${m.reason}${event ? `; ${event}` : ""})`);
    }
  }
  const failed = summary.messages.filter((m) => m.outcome === "failed");
  if (failed.length > 0) {
    out.push("", "failed:");
    for (const m of failed) out.push(`  ${m.message_id}: ${m.error ?? "unknown error"}`);
  }
  if (summary.aborted) out.push("", `aborted: ${summary.aborted}`);
  if (after) {
    const d = after.deliveries;
    out.push(
      "",
      `delivered through the hops: ${d.delivered} (${d.acked} acked, ${d.nacked} retried)`,
      `dead letters left in ${summary.subscription}: ${after.remaining}`,
    );
  }
  return out.join("\n");
}

function remainingIn(platform: LocalPlatform, subscription: string): number {
  const stats = platform.broker.stats().find((s) => s.subscription === subscription);
  return stats ? stats.available + stats.leased + stats.delayed : 0;
}

/** Adds `dlq list` and `dlq replay` to the CLI. */
export function registerDlqCommands(program: Command): void {
  const dlq = program.command("dlq").description("see and replay dead-lettered messages (offline broker)");

  dlq
    .command("list")
    .description("show every dead-lettered message without consuming it")
    .option("--subscription <name>", "one keep subscription (or its dead-letter topic) instead of all")
    .option("--json", "print the listing as one JSON object")
    .action(async (options: { subscription?: string; json?: boolean }) => {
      const listing = await withPlatform((platform, config) =>
        asUsageErrors(() =>
          listDeadLetters(dlqDeps(platform, config), {
            ...(options.subscription ? { subscription: options.subscription } : {}),
          }),
        ),
      );
      write(options.json ? JSON.stringify(listing) : renderListing(listing));
    });

  dlq
    .command("replay")
    .description("republish dead letters to their original topics, acknowledging each after its republish")
    .requiredOption(
      "--subscription <name>",
      "keep subscription or dead-letter topic, e.g. export-dead-letter-keep",
    )
    .addOption(
      new Option(
        "--filter <key=value>",
        "replay only messages whose listing field, attribute or event field has this value (repeatable)",
      ).argParser(parseFilter),
    )
    .addOption(new Option("--max <n>", "replay at most n messages").argParser(parsePositiveInteger))
    .addOption(new Option("--rate <r>", "messages per second").argParser(parsePositiveNumber))
    .option("--dry-run", "show what would be replayed and leave everything in place")
    .option("--no-deliver", "only republish; do not run the hops now")
    .option("--json", "print the summary as one JSON object")
    .action(
      async (options: {
        subscription: string;
        filter?: string[];
        max?: number;
        rate?: number;
        dryRun?: boolean;
        deliver: boolean;
        json?: boolean;
      }) => {
        await withPlatform(async (platform, config) => {
          const summary = await asUsageErrors(() =>
            replayDeadLetters(dlqDeps(platform, config), {
              subscription: options.subscription,
              filters: parseFilters(options.filter ?? []),
              ...(options.max === undefined ? {} : { max: options.max }),
              ...(options.rate === undefined ? {} : { rate: options.rate }),
              dryRun: options.dryRun === true,
            }),
          );
          // Offline, running the hops is what Pub/Sub's push delivery does in the cloud.
          const after =
            options.deliver && !summary.dry_run && summary.replayed > 0
              ? { deliveries: await deliverPending(platform), remaining: 0 }
              : undefined;
          if (after) after.remaining = remainingIn(platform, summary.subscription);
          write(
            options.json ? JSON.stringify({ ...summary, ...(after ?? {}) }) : renderReplay(summary, after),
          );
          if (summary.failed > 0 || summary.aborted) process.exitCode = 1;
        });
      },
    );
}
