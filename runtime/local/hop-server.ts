/**
 * The offline stand-in for the deployed function URLs: one HTTP server on 127.0.0.1 that serves
 * every function of the topology at `/<function name>`, so the backfill workflow (and curl) call
 * the same code the cloud runs, over HTTP, with the local platform's dependencies.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { HttpFunction } from "@google-cloud/functions-framework";
import * as functions from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { generateHttp } from "../../functions/generate/http.ts";
import { type AnyHop, HOPS } from "../../functions/hops.ts";
import type { HopDeps } from "../../lib/hop.ts";
import { httpEntry } from "../../lib/http-entry.ts";

export interface HopServerOptions {
  /** Event hops to serve (default: HOPS, every hop this build has). */
  hops?: readonly AnyHop[];
  /** Port on 127.0.0.1 (default 0: a free one). */
  port?: number;
}

export interface HopServer {
  /** `http://127.0.0.1:<port>`; function `name` answers at `<url>/<name>`. */
  url: string;
  /** Functions of the topology this server answers for. */
  served: string[];
  /** Functions of the topology with no implementation in this build: they answer 404. */
  missing: string[];
  close(): Promise<void>;
}

/** The HTTP handler of each topology function that this build implements. */
function handlersFor(deps: HopDeps, hops: readonly AnyHop[]): Map<string, HttpFunction> {
  const getDeps = async () => deps;
  const byName = new Map(hops.map((hop) => [hop.name, hop]));
  const handlers = new Map<string, HttpFunction>();
  for (const spec of deps.topology.functions) {
    const hop = byName.get(spec.name);
    if (spec.name === "generate") handlers.set(spec.name, generateHttp(getDeps));
    else if (hop) handlers.set(spec.name, httpEntry(hop, getDeps));
  }
  return handlers;
}

/**
 * Wraps a handler in the functions framework's own server (body parsing, error handling), as
 * deployed. The framework only builds servers for registered functions, so the handler is
 * registered under its name first; the server keeps the handler it was built with, so a later
 * server in the same process never swaps another platform's handler into this one.
 */
function frameworkApp(name: string, handler: HttpFunction): Server {
  functions.http(name, handler);
  return getTestServer(name);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

/** Starts the server; `close()` stops it and drops its connections. */
export async function startHopServer(deps: HopDeps, options: HopServerOptions = {}): Promise<HopServer> {
  const handlers = handlersFor(deps, options.hops ?? HOPS);
  const apps = new Map([...handlers].map(([name, handler]) => [name, frameworkApp(name, handler)]));
  const served = [...apps.keys()];
  const missing = deps.topology.functions.map((f) => f.name).filter((name) => !apps.has(name));

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const [, name = "", ...rest] = url.pathname.split("/");
    if (name === "" && req.method === "GET") {
      sendJson(res, 200, { served, missing });
      return;
    }
    const app = apps.get(name);
    if (!app) {
      const known = missing.includes(name)
        ? `${name} is in the topology but this server was started without it`
        : `no function named ${JSON.stringify(name)}`;
      sendJson(res, 404, { error: `${known}; served: ${served.join(", ")}` });
      return;
    }
    // A deployed function sees its own URL as the root.
    req.url = `/${rest.join("/")}${url.search}`;
    app.emit("request", req, res);
  });
  // generate may run for minutes at a large scale; the workflow's own timeout governs.
  server.requestTimeout = 0;
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  deps.log.info("hop server listening", { url: `http://127.0.0.1:${port}`, served, missing });

  return {
    url: `http://127.0.0.1:${port}`,
    served,
    missing,
    async close() {
      const closed = once(server, "close");
      server.close();
      server.closeAllConnections();
      await closed;
    },
  };
}
