import type { PeekedMessage, SubscriptionStats } from "../../lib/adapters/local/broker.ts";
import { compileDataform } from "../../lib/adapters/local/dataform/compile.ts";
import type { Config } from "../../lib/config.ts";
import type { RunLedger } from "../../lib/ledger.ts";
import type { Transformations } from "../../lib/ports/transformations.ts";
import type { Warehouse } from "../../lib/ports/warehouse.ts";
import type { Topology } from "../../lib/topology.ts";
import { dataformProjectDir, type LocalPlatform } from "../local/platform.ts";
import { type DataformProject, readDataformProject } from "./dataform-project.ts";

/** The broker's read-only view: backlog per subscription, and messages without leasing them. */
export interface BrokerView {
  stats(): SubscriptionStats[];
  peek(subscription: string, max: number): PeekedMessage[];
}

/** Everything the report reads, passed in so that tests and `serve` choose where it comes from. */
export interface ReportSources {
  config: Pick<Config, "stagingDataset" | "warehouseDataset" | "prefix">;
  ledger: RunLedger;
  warehouse: Warehouse;
  topology: Topology;
  broker: BrokerView;
  /** Reads the actions (with durations) of a Dataform workflow invocation named in the ledger. */
  transformations: Pick<Transformations, "queryWorkflowInvocationActions">;
  /** The Dataform project as compiled by Dataform's own compiler. */
  dataform: () => DataformProject;
  now: () => Date;
}

/** The report's sources on the offline platform; the Dataform project is compiled at most once. */
export function reportSourcesOf(
  platform: LocalPlatform,
  projectDir: string = dataformProjectDir,
): ReportSources {
  let project: DataformProject | undefined;
  return {
    config: platform.deps.config,
    ledger: platform.deps.ledger,
    warehouse: platform.warehouse,
    topology: platform.deps.topology,
    broker: platform.broker,
    transformations: platform.deps.transformations,
    dataform: () => {
      project ??= readDataformProject(projectDir, compileDataform({ projectDir }));
      return project;
    },
    now: platform.deps.now,
  };
}
