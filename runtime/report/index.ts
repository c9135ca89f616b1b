/**
 * The run report, the data catalog and lineage: `renderReport` for the page, `generateCatalog` for
 * docs/catalog, `startReportServer` for `winter-days serve`.
 */
import { buildCatalog, type Catalog, readWarehouseColumns } from "./catalog.ts";
import { type CollectOptions, collectReport } from "./collect.ts";
import type { ReportData } from "./model.ts";
import { type PageOptions, renderPage } from "./page.ts";
import type { ReportSources } from "./sources.ts";

export { type Catalog, tablesWithoutColumns, undocumentedColumns } from "./catalog.ts";
export { writeCatalogMarkdown } from "./catalog-markdown.ts";
export type { ReportData } from "./model.ts";
export { type ReportServer, startReportServer } from "./server.ts";
export { type ReportSources, reportSourcesOf } from "./sources.ts";

/** Collects everything and renders the self-contained page. */
export async function renderReport(
  sources: ReportSources,
  options: CollectOptions & PageOptions = {},
): Promise<{ html: string; data: ReportData }> {
  const data = await collectReport(sources, options);
  return { html: renderPage(data, options), data };
}

/** The catalog from the Dataform project and the warehouse as it is. */
export async function generateCatalog(sources: ReportSources): Promise<Catalog> {
  const project = sources.dataform();
  if (project.errors.length > 0)
    throw new Error(`the Dataform project does not compile: ${project.errors.join("; ")}`);
  const { stagingDataset, warehouseDataset } = sources.config;
  const columns = await readWarehouseColumns(sources.warehouse, [stagingDataset, warehouseDataset]);
  return buildCatalog(project, columns, { stagingDataset, warehouseDataset });
}
