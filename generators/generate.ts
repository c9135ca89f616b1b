import type { RecordsBySource, Source } from "../lib/contracts/records.ts";
import { generateClickstream } from "./clickstream.ts";
import type { GeneratorOptions } from "./options.ts";
import { generateSales } from "./sales.ts";
import { generateStartups } from "./startups.ts";

/** The generator of each source, for callers that pick the source at run time. */
export function generate<S extends Source>(
  source: S,
  options: GeneratorOptions,
): AsyncIterable<RecordsBySource[S][]> {
  const generators: { [K in Source]: (options: GeneratorOptions) => AsyncIterable<RecordsBySource[K][]> } = {
    sales: generateSales,
    clickstream: generateClickstream,
    startups: generateStartups,
  };
  return generators[source](options);
}
