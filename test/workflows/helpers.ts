/** Shared helpers for the interpreter tests: run YAML, capture failures, serve HTTP on loopback. */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { memoryLogger } from "../../lib/log.ts";
import {
  parseWorkflow,
  type RunOptions,
  runWorkflow,
  type Value,
  WorkflowExecutionError,
} from "../../runtime/workflows/index.ts";

/** Runs workflow source; sleeps are recorded instead of waited for unless options say otherwise. */
export async function run(source: string, args: unknown = null, options: RunOptions = {}): Promise<unknown> {
  const workflow = parseWorkflow(source, "test.workflows.yaml");
  const result = await runWorkflow(workflow, args, {
    sleep: async () => {},
    logger: memoryLogger(),
    ...options,
  });
  return result.result;
}

/** Like `run`, but returns the interpreter's own value: ints as bigint, doubles as number, maps as Map. */
export async function runRaw(source: string, args: unknown = null, options: RunOptions = {}): Promise<Value> {
  const workflow = parseWorkflow(source, "test.workflows.yaml");
  return (await runWorkflow(workflow, args, { sleep: async () => {}, logger: memoryLogger(), ...options }))
    .value;
}

/** Evaluates an expression and returns the raw value, so ints (bigint) and doubles (number) differ. */
export function evaluateRaw(expression: string): Promise<Value> {
  return runRaw(`- r:\n    return: ${JSON.stringify(expression)}\n`);
}

/** Runs source that must fail and returns the uncaught error (step and error map as plain data). */
export async function runFailing(
  source: string,
  args: unknown = null,
  options: RunOptions = {},
): Promise<{ step: string; error: unknown }> {
  try {
    await run(source, args, options);
  } catch (error) {
    if (error instanceof WorkflowExecutionError) return { step: error.step, error: error.errorAsJs() };
    throw error;
  }
  throw new Error("the workflow was expected to fail but returned");
}

/** Evaluates one expression by returning it from a one-step workflow. */
export function evaluate(expression: string, args: unknown = null): Promise<unknown> {
  return run(
    `main:\n  params: [args]\n  steps:\n    - r:\n        return: ${JSON.stringify(expression)}\n`,
    args,
  );
}

/** The error map an expression raises. */
export async function evaluateError(expression: string): Promise<Record<string, unknown>> {
  const failure = await runFailing(`- r:\n    return: ${JSON.stringify(expression)}\n`);
  return failure.error as Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1 with one handler per path, recording every request. */
export class LocalServer {
  readonly requests: RecordedRequest[] = [];
  readonly #handlers = new Map<string, Handler>();
  readonly #server: Server;
  constructor() {
    this.#server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const recorded = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      this.requests.push(recorded);
      const handler = this.#handlers.get(new URL(recorded.url, "http://x").pathname);
      if (handler === undefined) {
        response
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ error: "no route" }));
        return;
      }
      await handler(recorded, response);
    });
  }
  on(path: string, handler: Handler): this {
    this.#handlers.set(path, handler);
    return this;
  }
  async start(): Promise<string> {
    this.#server.listen(0, "127.0.0.1");
    await once(this.#server, "listening");
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    this.#server.close();
    await once(this.#server, "close");
  }
}

/** Responds with a JSON document. */
export function json(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

/** A loopback port with nothing listening: bind, note the port, close. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}
