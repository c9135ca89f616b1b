import type { EventType } from "../lib/contracts/events.ts";
import type { Hop } from "../lib/hop.ts";
import { dataformInvokeHop } from "./dataform-invoke/handle.ts";
import { dataformPollHop } from "./dataform-poll/handle.ts";
import { exportHop } from "./export/handle.ts";
import { predictionsLoadHop } from "./predictions-load/handle.ts";
import { vertexPollHop } from "./vertex-poll/handle.ts";
import { vertexSubmitHop } from "./vertex-submit/handle.ts";

/** A hop of any event type. */
export type AnyHop = { [T in EventType]: Hop<T> }[EventType];

/** Every event-driven hop. The local runtime serves these; terraform deploys them by the same names. */
export const HOPS: readonly AnyHop[] = [
  exportHop,
  dataformInvokeHop,
  dataformPollHop,
  vertexSubmitHop,
  vertexPollHop,
  predictionsLoadHop,
];
