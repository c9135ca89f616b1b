import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LocalBroker } from "../../lib/adapters/local/broker.ts";
import { LocalTransformations } from "../../lib/adapters/local/dataform/transformations.ts";
import { LocalDocumentStore } from "../../lib/adapters/local/documents.ts";
import { LocalObjectStore, localPathOf } from "../../lib/adapters/local/objects.ts";
import { LocalChurnPipelines } from "../../lib/adapters/local/pipelines.ts";
import { DuckDbWarehouse } from "../../lib/adapters/local/warehouse.ts";
import type { Config } from "../../lib/config.ts";
import { Contracts } from "../../lib/contracts/validator.ts";
import { ConfigError } from "../../lib/errors.ts";
import type { HopDeps } from "../../lib/hop.ts";
import { RunLedger } from "../../lib/ledger.ts";
import type { Logger } from "../../lib/log.ts";
import { parseGsUri } from "../../lib/ports/objects.ts";
import { loadTopology, type Topology } from "../../lib/topology.ts";

export const dataformProjectDir = fileURLToPath(new URL("../../dataform/", import.meta.url));

/** The PII hash key the local Dataform runner writes to its key table (always set offline). */
export function localPiiHashKey(config: Config): string {
  if (!config.piiHashKey) {
    throw new ConfigError(
      "WINTER_DAYS_PII_HASH_KEY is required offline: the local Dataform runner writes it to the key table",
    );
  }
  return config.piiHashKey;
}

export interface LocalPlatformOptions {
  log: Logger;
  /** Shrinks retry backoff and ack deadlines of the offline broker (1 = Pub/Sub's real timings). */
  timeScale?: number;
  now?: () => Date;
  contracts?: Contracts;
  topology?: Topology;
}

/** The offline platform: every port backed by an embedded stand-in under config.dataDir. */
export interface LocalPlatform {
  deps: HopDeps;
  broker: LocalBroker;
  objects: LocalObjectStore;
  warehouse: DuckDbWarehouse;
  /** Local file of a gs:// URI in the objects stand-in. */
  localPath(uri: string): string;
  close(): Promise<void>;
}

export async function openLocalPlatform(
  config: Config,
  options: LocalPlatformOptions,
): Promise<LocalPlatform> {
  const dataDir = path.resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const now = options.now ?? (() => new Date());
  const contracts = options.contracts ?? new Contracts();
  const topology = options.topology ?? loadTopology(contracts);
  const log = options.log;
  const broker = new LocalBroker(path.join(dataDir, "broker.sqlite"), {
    project: config.project,
    clock: () => now().getTime(),
    backoffScale: options.timeScale ?? 1,
  });
  await broker.ensureTopology(topology);
  const documents = new LocalDocumentStore(path.join(dataDir, "documents.sqlite"));
  const objectsRoot = path.join(dataDir, "objects");
  const objects = new LocalObjectStore(objectsRoot, { now });
  const localPath = (uri: string) => {
    const { bucket, name } = parseGsUri(uri);
    return localPathOf(objectsRoot, bucket, name);
  };
  const warehouse = await DuckDbWarehouse.open({
    path: path.join(dataDir, "warehouse.duckdb"),
    resolveObjectPath: localPath,
  });
  const transformations = new LocalTransformations({
    dataDir,
    projectDir: dataformProjectDir,
    warehouse,
    lakeRoot: path.join(objectsRoot, config.lakeBucket),
    piiHashKey: localPiiHashKey(config),
    defaultVars: { lake_bucket: config.lakeBucket },
    logger: log,
  });
  const pipelines = new LocalChurnPipelines({
    warehouse: async () => warehouse,
    objects,
    stateDir: path.join(dataDir, "pipelines"),
    lakeBucket: config.lakeBucket,
    now,
  });
  const deps: HopDeps = {
    config,
    contracts,
    topology,
    events: broker,
    objects,
    documents,
    warehouse: async () => warehouse,
    transformations,
    pipelines,
    ledger: new RunLedger(documents, config.ledgerCollection, now),
    log,
    now,
  };
  return {
    deps,
    broker,
    objects,
    warehouse,
    localPath,
    async close() {
      // Background Dataform runs and training jobs use the warehouse: let them finish first.
      await transformations.idle();
      await pipelines.close();
      await warehouse.close();
      await documents.close();
      await broker.close();
    },
  };
}
