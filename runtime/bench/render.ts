import type { BenchReport, BrokerFigure } from "./figures.ts";

interface Column<T> {
  header: string;
  value: (row: T) => string | number | undefined;
  /** Text columns are left-aligned; numbers right-aligned. */
  text?: boolean;
}

const integer = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const precise = new Intl.NumberFormat("en", { minimumFractionDigits: 3, maximumFractionDigits: 3 });

const whole = (n: number | undefined) => (n === undefined ? "—" : integer.format(n));
const mib = (n: number | undefined) => (n === undefined ? "—" : decimal.format(n));
const secs = (n: number | undefined) => (n === undefined ? "—" : precise.format(n));

function table<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>): string {
  const cells = rows.map((row) => columns.map((c) => String(c.value(row) ?? "—")));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]?.text ? v.padEnd(widths[i] ?? 0) : v.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    line(widths.map((w) => "─".repeat(w))),
    ...cells.map(line),
  ].join("\n");
}

function brokerRows(figures: readonly BrokerFigure[]) {
  const scales = [...new Set(figures.map((f) => f.scale))];
  return scales.map((scale) => ({
    scale,
    local: figures.find((f) => f.scale === scale && f.bus === "local"),
    emulator: figures.find((f) => f.scale === scale && f.bus === "emulator"),
  }));
}

/** The report as tables for people: one section per measured part, every column with its unit. */
export function renderBench(report: BenchReport): string {
  const { machine } = report;
  const out: string[] = [
    `winter-days bench · ${report.startedAt} · seed ${report.seed}, batch date ${report.date} · scales ${report.scales.join(", ")} · ${report.wallSeconds} s`,
    `machine: ${machine.cpuModel}, ${machine.cpus} cores, ${integer.format(machine.memoryMiB)} MiB RAM, ${machine.platform}, Node ${machine.node}`,
    `load average (1/5/15 min): ${machine.loadAtStart.join(" / ")} at start, ${machine.loadAtEnd.join(" / ")} at end${machine.gcloud ? `\ngcloud: ${machine.gcloud}` : ""}`,
    "Every phase ran alone in its own Node process; RSS is that process's (base: before the measured work, peak: getrusage maxrss).",
  ];

  if (report.generators) {
    out.push(
      "",
      "Generators: fact rows per second, records made and dropped (no validation, serialisation or storage); median batch after a warm-up",
      table(report.generators, [
        { header: "source", value: (f) => f.source, text: true },
        { header: "scale", value: (f) => f.scale, text: true },
        { header: "rows", value: (f) => whole(f.rows) },
        { header: "wall s", value: (f) => secs(f.seconds) },
        { header: "rows/s", value: (f) => whole(f.rowsPerSecond) },
        { header: "CPU s", value: (f) => secs(f.cpuSeconds) },
        { header: "rows/CPU-s", value: (f) => whole(f.cpuRowsPerSecond) },
        { header: "runs", value: (f) => f.runs },
        { header: "base RSS MiB", value: (f) => mib(f.baselineRssMiB) },
        { header: "peak RSS MiB", value: (f) => mib(f.peakRssMiB) },
      ]),
    );
  }

  if (report.export) {
    out.push(
      "",
      "Export: sales documents in the documents store → Parquet in bronze, through the export hop (paged reads, validation, ledger)",
      table(report.export, [
        { header: "scale", value: (f) => f.scale, text: true },
        {
          header: "V8 heap limit",
          value: (f) => (f.heapLimitMiB === null ? "Node default" : `${f.heapLimitMiB} MiB`),
          text: true,
        },
        { header: "rows", value: (f) => whole(f.rows) },
        { header: "wall s", value: (f) => secs(f.seconds) },
        { header: "rows/s", value: (f) => whole(f.rowsPerSecond) },
        { header: "Parquet MiB", value: (f) => mib(f.parquetMiB) },
        { header: "base RSS MiB", value: (f) => mib(f.baselineRssMiB) },
        { header: "peak RSS MiB", value: (f) => mib(f.peakRssMiB) },
      ]),
    );
  }

  if (report.broker) {
    const bytes = report.broker.figures[0]?.messageBytes ?? 1024;
    out.push(
      "",
      `Broker: ${integer.format(bytes)}-byte messages published, then pulled and acked, end to end; the same run, the same machine`,
      table(brokerRows(report.broker.figures), [
        { header: "scale", value: (r) => r.scale, text: true },
        { header: "messages", value: (r) => whole(r.local?.messages ?? r.emulator?.messages) },
        { header: "offline s", value: (r) => secs(r.local?.seconds) },
        { header: "offline msg/s", value: (r) => whole(r.local?.messagesPerSecond) },
        { header: "offline peak RSS MiB", value: (r) => mib(r.local?.peakRssMiB) },
        { header: "emulator s", value: (r) => secs(r.emulator?.seconds) },
        { header: "emulator msg/s", value: (r) => whole(r.emulator?.messagesPerSecond) },
        { header: "client peak RSS MiB", value: (r) => mib(r.emulator?.peakRssMiB) },
        { header: "emulator JVM peak RSS MiB", value: (r) => mib(r.emulator?.serverPeakRssMiB) },
        {
          header: "offline/emulator ×",
          value: (r) =>
            r.local && r.emulator
              ? decimal.format(r.local.messagesPerSecond / r.emulator.messagesPerSecond)
              : undefined,
        },
      ]),
    );
    if (!report.broker.emulator.available) {
      out.push(`Pub/Sub emulator: not measured. ${report.broker.emulator.note ?? ""}`.trimEnd());
    }
  }

  if (report.dataform) {
    out.push(
      "",
      "Dataform: the stage for one batch date on DuckDB (compile, plan, every action, assertions, unit tests) vs the same compiled SQL sent straight to DuckDB; medians",
      table(report.dataform, [
        { header: "scale", value: (f) => f.scale, text: true },
        { header: "bronze rows", value: (f) => whole(f.rows) },
        { header: "Dataform s", value: (f) => secs(f.dataformSeconds) },
        { header: "direct DuckDB s", value: (f) => secs(f.directSeconds) },
        { header: "ratio ×", value: (f) => f.ratio.toFixed(2) },
        { header: "rows/s", value: (f) => whole(f.rowsPerSecond) },
        { header: "actions", value: (f) => f.actions },
        { header: "statements", value: (f) => f.statements },
        { header: "runs", value: (f) => f.repetitions },
        { header: "peak RSS MiB", value: (f) => mib(f.peakRssMiB) },
      ]),
    );
  }

  if (report.problems.length > 0) {
    out.push("", "Problems:", ...report.problems.map((p) => `- ${p}`));
  }
  return out.join("\n");
}
