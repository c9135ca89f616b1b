/** Seeded, deterministic data generators: the surface the runtime, the CLI and the tests use. */
export { batchIdFor } from "./batch-id.ts";
export { parseBatchDate } from "./calendar.ts";
export { generateClickstream } from "./clickstream.ts";
export {
  type Customer,
  CustomerPopulation,
  type CustomerProfile,
  clickActivity,
  PROPENSITY_HORIZON_DAYS,
  purchaseActivity,
  type Segment,
} from "./customers.ts";
export { generate } from "./generate.ts";
export { inPages, type JsonlPart, type JsonlPartOptions, toJsonlParts } from "./jsonl.ts";
export { type GeneratorMeasurement, measureGenerator } from "./measure.ts";
export { DEFAULT_PAGE_SIZE, type GeneratorOptions } from "./options.ts";
export { generateSales } from "./sales.ts";
export {
  anonymousVisitorsFor,
  clickEventsFor,
  customersFor,
  MAX_SALES_ROWS_PER_DAY,
  parseScale,
  populationFor,
  type Scale,
  salesRowsFor,
  startupsFor,
} from "./scale.ts";
export { generateStartups, isStartupsDay } from "./startups.ts";
export { type ChurnTruth, type ChurnTruthOptions, churnTruth } from "./truth.ts";
