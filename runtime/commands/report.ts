import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { loadConfig } from "../../lib/config.ts";
import {
  generateCatalog,
  renderReport,
  reportSourcesOf,
  startReportServer,
  tablesWithoutColumns,
  undocumentedColumns,
  writeCatalogMarkdown,
} from "../report/index.ts";
import { parseDate, progress, withPlatform, write } from "./context.ts";

function parsePort(value: string): number {
  const port = Number(value);
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new InvalidArgumentError(`expected a port number 0-65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

/** `report`, `serve` and `catalog`: seeing what the chain did. */
export function registerReportCommands(program: Command): void {
  program
    .command("report")
    .description("write the run report: one self-contained HTML page (charts, lineage, catalog)")
    .addOption(
      new Option("--date <date>", "batch date YYYY-MM-DD (default: the latest run)").argParser(parseDate),
    )
    .option("--out <file>", "where to write the page (default: <data dir>/report/index.html)")
    .action(async (options: { date?: string; out?: string }) => {
      const out = path.resolve(
        options.out ?? path.join(loadConfig(process.env).dataDir, "report", "index.html"),
      );
      const { data } = await withPlatform(async (platform) => {
        const rendered = await renderReport(
          reportSourcesOf(platform),
          options.date ? { date: options.date } : {},
        );
        mkdirSync(path.dirname(out), { recursive: true });
        writeFileSync(out, rendered.html);
        return rendered;
      });
      for (const problem of data.problems) progress(`not shown: ${problem}`);
      write(out);
    });

  program
    .command("serve")
    .description("serve the run report live on 127.0.0.1, rendered afresh on every request")
    .addOption(new Option("--port <port>", "port to listen on").argParser(parsePort).default(8080))
    .action(async (options: { port: number }) => {
      const server = await startReportServer({
        port: options.port,
        render: (date) =>
          withPlatform(
            async (platform) =>
              (await renderReport(reportSourcesOf(platform), { ...(date ? { date } : {}), live: true })).html,
          ),
      });
      write(`serving the report at ${server.url} (Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void server.close().then(resolve, resolve);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });

  program
    .command("catalog")
    .description(
      "generate the data catalog as Markdown (every table per layer, columns, types, descriptions, tests)",
    )
    .option("--out <dir>", "folder to write the Markdown into", "docs/catalog")
    .action(async (options: { out: string }) => {
      const catalog = await withPlatform((platform) => generateCatalog(reportSourcesOf(platform)));
      const files = writeCatalogMarkdown(catalog, path.resolve(options.out));
      const unknown = tablesWithoutColumns(catalog);
      if (unknown.length > 0)
        progress(`columns unknown (run \`winter-days run\` first): ${unknown.join(", ")}`);
      const missing = undocumentedColumns(catalog);
      if (missing.length > 0) {
        progress(`${missing.length} column(s) lack a description: ${missing.join(", ")}`);
        process.exitCode = 1;
      }
      for (const file of files) write(path.relative(process.cwd(), file));
    });
}
