/**
 * The whole corpus published to the topics, before and after a real day's batches, and delivered
 * by the local dispatcher as Pub/Sub push would: every malformed event ends in its hop's dead-letter
 * topic with its reason, the real batches still flow to gold, and nothing is written outside the
 * data directory's known places (no injected object name in the lake, no file elsewhere).
 */
import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunSummary } from "../../runtime/chain.ts";
import {
  deliverAll,
  expectChainDelivered,
  landBatches,
  openFaultPlatform,
  suiteSeed,
  summary,
} from "../faults/chain-harness.ts";
import type { TestPlatform } from "../support/local-platform.ts";
import { type BadInput, badInputCorpus, hostileStrings } from "./corpus.ts";

const seed = suiteSeed();

/** Every file under `dir`, as paths relative to it with "/" separators. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"));
}

/** Where the offline platform may write under its data directory, and nowhere else. */
function allowedFile(file: string, lake: string): boolean {
  return [
    /^(broker|documents)\.sqlite(-wal|-shm)?$/,
    /^warehouse\.duckdb(\.wal)?$/,
    new RegExp(
      `^objects/(\\.meta/)?${lake.replaceAll(".", "\\.")}/(sales|clickstream|startups|_truth|mlops)/`,
    ),
    /^dataform\/(compilationResults|workflowInvocations)\/[0-9a-f-]{36}\.json$/,
    /^pipelines\/churn-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.json$/,
  ].some((pattern) => pattern.test(file));
}

describe(`the corpus among a real day's batches, through the dispatcher (seed ${seed})`, () => {
  let platform: TestPlatform;
  let corpus: BadInput[];
  let result: RunSummary;

  beforeAll(async () => {
    platform = await openFaultPlatform();
    corpus = badInputCorpus(platform.deps.config.lakeBucket);
    const half = Math.floor(corpus.length / 2);
    const publish = async (cases: BadInput[]) => {
      for (const c of cases)
        await platform.broker.publish(c.topic, { data: c.data, attributes: c.attributes });
    };
    await publish(corpus.slice(0, half));
    await landBatches(platform, seed);
    await publish(corpus.slice(half));
    result = await summary(platform, seed, await deliverAll(platform));
  }, 180_000);
  afterAll(async () => {
    await platform?.dispose();
  });

  it("dead-letters every malformed event at its hop with its reason, and still takes the day to gold", async () => {
    const expected: Record<string, string[]> = {};
    for (const c of corpus) {
      const keep = `${c.hop}-dead-letter-keep`;
      expected[keep] = [...(expected[keep] ?? []), c.reason];
    }
    for (const reasons of Object.values(expected)) reasons.sort();
    await expectChainDelivered(platform, result, {
      label: `bad input among good, seed ${seed}`,
      deadLetters: expected,
    });
  });

  it("keeps each dead letter's data as it came", () => {
    for (const hop of new Set(corpus.map((c) => c.hop))) {
      const kept = platform.broker
        .peek(`${hop}-dead-letter-keep`, 10_000)
        .map((m) => m.data.toString("base64"));
      const sent = corpus.filter((c) => c.hop === hop).map((c) => c.data.toString("base64"));
      expect(kept.sort(), hop).toEqual(sent.sort());
    }
  });

  it("writes nothing outside the data directory's known places", async () => {
    const lake = platform.deps.config.lakeBucket;
    const strays = (await filesUnder(platform.dir)).filter((f) => !allowedFile(f, lake));
    expect(strays).toEqual([]);
    for (const outside of ["/tmp/winter-days-pwned", "/tmp/winter-days-pwned.csv", "/tmp/evil.duckdb"]) {
      expect(existsSync(outside), outside).toBe(false);
    }
  });

  it("has no object in the lake whose name carries an injected string", async () => {
    const names = (await platform.objects.list(platform.deps.config.lakeBucket, "")).map((o) => o.name);
    expect(names.length).toBeGreaterThan(10);
    const fragments = ["..", "%2e", "\\", "\u0000", "etc/passwd", "pwned", "DROP", "injected", "~"];
    // The hostile strings themselves, except those made only of characters our own names use.
    for (const value of Object.values(hostileStrings())) {
      if (value.length > 3 && !/^[A-Za-z0-9_=/.-]+$/.test(value)) fragments.push(value);
    }
    const injected = names.filter((name) => fragments.some((f) => name.includes(f)));
    expect(injected).toEqual([]);
  });

  it("attaches no other database to the warehouse", async () => {
    const databases = await platform.warehouse.query<{ database_name: string }>(
      "SELECT database_name FROM duckdb_databases() WHERE NOT internal",
    );
    expect(databases.map((d) => d.database_name)).toEqual(["warehouse"]);
  });
});
