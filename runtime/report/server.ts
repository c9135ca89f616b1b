import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { errorMessage } from "../../lib/errors.ts";
import type { Logger } from "../../lib/log.ts";
import { esc } from "./html.ts";

export interface ReportServerOptions {
  /** 0 picks a free port. */
  port: number;
  /** Loopback only: the report shows customer keys and is not meant for a network. */
  host?: string;
  /** Renders the page afresh for a batch date (or the latest). */
  render(date: string | undefined): Promise<string>;
  log?: Logger;
}

export interface ReportServer {
  url: string;
  close(): Promise<void>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Serves the report live: every request renders the page again from the current state, one at a
 * time (each render opens the offline platform, whose files allow one opener per process).
 */
export async function startReportServer(options: ReportServerOptions): Promise<ReportServer> {
  let queue: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (url.pathname === "/healthz") {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    if (url.pathname !== "/" && url.pathname !== "/index.html") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: the report is at /\n");
      return;
    }
    const date = url.searchParams.get("date") ?? undefined;
    if (date !== undefined && !DATE.test(date)) {
      response
        .writeHead(400, { "content-type": "text/plain" })
        .end(`date must be YYYY-MM-DD, got ${JSON.stringify(date)}\n`);
      return;
    }
    serialised(() => options.render(date)).then(
      (html) => {
        response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
        response.end(request.method === "HEAD" ? undefined : html);
      },
      (error: unknown) => {
        options.log?.error("report render failed", { error });
        response.writeHead(503, { "content-type": "text/html; charset=utf-8", "retry-after": "5" });
        response.end(
          `<!doctype html><meta charset="utf-8"><title>winter-days report: unavailable</title><body style="font-family:system-ui;padding:40px"><h1>The report cannot be rendered right now</h1><p>${esc(errorMessage(error))}</p><p>A running <code>winter-days run</code> holds the warehouse; reload when it has finished.</p></body>`,
        );
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
