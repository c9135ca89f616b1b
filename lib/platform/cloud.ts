import { BigQuery } from "@google-cloud/bigquery";
import { BigQueryWarehouse } from "../adapters/gcp/bigquery.ts";
import { CloudTransformations, createDataformClient } from "../adapters/gcp/dataform.ts";
import { FirestoreDocumentStore } from "../adapters/gcp/firestore.ts";
import { PubSubEventBus } from "../adapters/gcp/pubsub.ts";
import { GcsObjectStore } from "../adapters/gcp/storage.ts";
import { VertexChurnPipelines, vertexOptionsFromConfig } from "../adapters/gcp/vertex.ts";
import { type Config, loadConfig } from "../config.ts";
import { Contracts } from "../contracts/validator.ts";
import type { HopDeps } from "../hop.ts";
import { RunLedger } from "../ledger.ts";
import { createLogger } from "../log.ts";
import type { Warehouse } from "../ports/warehouse.ts";
import { loadTopology } from "../topology.ts";

/** Builds the Google Cloud adapters for a deployed function from its configuration. */
export function cloudDeps(config: Config): HopDeps {
  const contracts = new Contracts();
  const documents = new FirestoreDocumentStore({
    projectId: config.project,
    databaseId: config.firestoreDatabase,
  });
  const objects = new GcsObjectStore({ projectId: config.project });
  let warehouse: Warehouse | undefined;
  return {
    config,
    contracts,
    topology: loadTopology(contracts),
    events: new PubSubEventBus({ projectId: config.project, prefix: config.prefix }),
    objects,
    documents,
    warehouse: async () => {
      warehouse ??= new BigQueryWarehouse(
        new BigQuery({ projectId: config.project, location: config.bigqueryLocation }),
        {
          project: config.project,
          location: config.bigqueryLocation,
        },
      );
      return warehouse;
    },
    transformations: new CloudTransformations(createDataformClient(), {
      repository: config.dataformRepository,
      defaultVars: { lake_bucket: config.lakeBucket },
    }),
    pipelines: new VertexChurnPipelines(vertexOptionsFromConfig(config, objects)),
    ledger: new RunLedger(documents, config.ledgerCollection),
    // Cloud Run functions forward stdout to Cloud Logging, which reads these JSON lines.
    log: createLogger({ labels: { service: "winter-days" } }),
    now: () => new Date(),
  };
}

let shared: Promise<HopDeps> | undefined;

/**
 * The dependencies of this function instance, created on the first request and reused by the next
 * (clients keep their connections warm across invocations of one instance).
 */
export function instanceDeps(): Promise<HopDeps> {
  const deps = shared ?? Promise.resolve().then(() => cloudDeps(loadConfig(process.env)));
  shared = deps;
  return deps;
}
