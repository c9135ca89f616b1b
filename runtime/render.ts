import type { RunRecord } from "../lib/ledger.ts";
import type { RunSummary } from "./chain.ts";

function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n");
}

const n = (value: number | undefined) => (value === undefined ? "-" : value.toLocaleString("en"));

/** The run summary as people read it in a terminal. */
export function renderSummary(summary: RunSummary): string {
  const out: string[] = [];
  out.push(`winter-days run ${summary.batch_date}  (seed ${summary.seed}, scale ${summary.scale})`, "");
  out.push(
    table(
      ["source", "batch", "generated", "landed", "bronze", "silver", "rejected", "gold"],
      Object.entries(summary.sources).map(([source, s]) => [
        source,
        s.batch_id,
        n(s.generated),
        n(s.landed),
        n(s.bronze),
        n(s.silver),
        n(s.rejected),
        n(s.gold),
      ]),
    ),
    `predictions: ${summary.predicted === undefined ? "not yet" : n(summary.predicted)}`,
    "",
  );
  if (summary.tables.length > 0) {
    out.push(
      table(
        ["table", "rows written"],
        summary.tables.map((t) => [t.target, n(t.rows)]),
      ),
      "",
    );
  }
  if (summary.assertions.length > 0) {
    const failed = summary.assertions.filter((a) => a.state !== "SUCCEEDED");
    out.push(
      `assertions: ${summary.assertions.length - failed.length}/${summary.assertions.length} passed`,
      ...summary.assertions.map((a) => `  ${a.state === "SUCCEEDED" ? "ok  " : "FAIL"} ${a.target}`),
      "",
    );
  }
  if (summary.model) {
    const m = summary.model;
    const f = (key: string) => (typeof m[key] === "number" ? (m[key] as number).toFixed(3) : "-");
    out.push(
      `churn model ${String(m.model_version ?? "")}: ROC AUC ${f("roc_auc")}  PR AUC ${f("pr_auc")}  log loss ${f("log_loss")}  Brier ${f("brier_score")}  calibration error ${f("expected_calibration_error")}`,
      `  oracle AUC ${f("oracle_auc")}  model/oracle ${f("oracle_ratio")}  (holdout cut-off ${String(m.holdout_cutoff ?? "-")}, ${String(m.holdout_rows ?? "-")} customers)`,
      "",
    );
  }
  out.push(
    table(
      ["hop", "source", "state", "attempts", "ms", "rows out"],
      summary.hops.map((h) => [h.hop, h.source, h.state, h.attempts, n(h.duration_ms), n(h.rows_out)]),
    ),
    "",
  );
  const dead = Object.entries(summary.dead_letters).filter(([, depth]) => depth > 0);
  out.push(
    dead.length === 0
      ? "dead letters: none"
      : `dead letters: ${dead.map(([s, d]) => `${s}=${d}`).join(", ")}  (winter-days status for reasons)`,
  );
  for (const h of summary.hops.filter((h) => h.error)) out.push(`  ${h.hop}/${h.source}: ${h.error}`);
  out.push(
    `deliveries: ${summary.deliveries.delivered} (${summary.deliveries.nacked} retried)  wall time: ${n(summary.wall_ms)} ms`,
    summary.reconciled
      ? "counts reconcile: yes"
      : `counts reconcile: NO\n${summary.problems.map((p) => `  ${p}`).join("\n")}`,
  );
  return out.join("\n");
}

/** The run ledger of one date as people read it. */
export function renderStatus(run: RunRecord): string {
  const out = [`run ledger ${run.batch_date} (updated ${run.updated_at})`, ""];
  out.push(
    table(
      ["source", "batch", "generated", "landed", "bronze", "landed at"],
      Object.entries(run.sources ?? {}).map(([source, s]) => [
        source,
        s.batch_id,
        n(s.generated),
        n(s.landed),
        n(s.bronze),
        s.landed_at ?? "-",
      ]),
    ),
    "",
  );
  const hops = Object.values(run.hops ?? {}).flatMap((bySource) => Object.values(bySource));
  out.push(
    table(
      ["hop", "source", "state", "attempts", "ms", "finished", "error"],
      hops.map((h) => [
        h.hop,
        h.source,
        h.state,
        h.attempts,
        n(h.duration_ms),
        h.finished_at,
        h.error ? `${h.error.reason ?? h.error.class}: ${h.error.message}` : "",
      ]),
    ),
  );
  return out.join("\n");
}
