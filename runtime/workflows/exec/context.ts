/**
 * What one execution shares across its steps: injected services, the workflow clock, the step
 * budget, and the record of HTTP calls.
 */
import type { Logger } from "../../../lib/log.ts";
import { workflowError } from "../errors.ts";
import type { BuiltinContext, HttpCallRecord, HttpFunction } from "../stdlib/registry.ts";

/** Cloud Workflows' limit on steps per execution; beyond it the execution fails with ResourceLimitError. */
export const DEFAULT_MAX_STEPS = 100_000;

export interface ExecutionServices {
  http: HttpFunction;
  env: ReadonlyMap<string, string>;
  logger: Logger;
  /** Real time in milliseconds since the epoch. */
  clock: () => number;
  /** Waits for real milliseconds. */
  sleep: (ms: number) => Promise<void>;
  /** Factor applied to every sleep and retry delay (0.001 turns a minute into 60 ms). */
  sleepScale: number;
  maxSteps: number;
}

export class ExecutionContext implements BuiltinContext {
  readonly env: ReadonlyMap<string, string>;
  readonly logger: Logger;
  readonly http: HttpFunction;
  readonly httpCalls: HttpCallRecord[] = [];
  readonly #services: ExecutionServices;
  /**
   * How far workflow time runs ahead of real time. A scaled sleep still advances `sys.now()` by
   * the full duration asked for, so a polling loop with a deadline behaves as deployed, only
   * faster. Concurrent sleeps do not add up: the skew only grows to cover the latest wake-up.
   */
  #skewMs = 0;
  #steps = 0;

  constructor(services: ExecutionServices) {
    this.#services = services;
    this.env = services.env;
    this.logger = services.logger;
    this.http = services.http;
  }

  now(): number {
    return (this.#services.clock() + this.#skewMs) / 1000;
  }

  async sleep(seconds: number): Promise<void> {
    const wakeAt = this.now() * 1000 + seconds * 1000;
    await this.#services.sleep(seconds * 1000 * this.#services.sleepScale);
    this.#skewMs = Math.max(this.#skewMs, wakeAt - this.#services.clock());
  }

  onHttpCall(call: HttpCallRecord): void {
    this.httpCalls.push(call);
  }

  /** Counts one executed step; fails the execution past the step budget. */
  countStep(): void {
    this.#steps++;
    if (this.#steps > this.#services.maxSteps) {
      throw workflowError(
        "ResourceLimitError",
        `the execution exceeded the limit of ${this.#services.maxSteps} steps`,
      );
    }
  }

  get stepCount(): number {
    return this.#steps;
  }
}
