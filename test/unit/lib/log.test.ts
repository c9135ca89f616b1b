import { describe, expect, it } from "vitest";
import { createLogger, traceOf } from "../../../lib/log.ts";

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  return {
    lines,
    log: createLogger({ sink: (line) => lines.push(JSON.parse(line)), labels: { service: "winter-days" } }),
  };
}

describe("structured logs in Cloud Logging's shape", () => {
  it("writes severity, message, labels and trace on one JSON line", () => {
    const { lines, log } = capture();
    const trace = traceOf("acme-prod", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
    log.child({ hop: "export", batch_date: "2026-11-20" }, trace).info("export succeeded", { rows_out: 12 });
    expect(lines[0]).toMatchObject({
      severity: "INFO",
      message: "export succeeded",
      rows_out: 12,
      "logging.googleapis.com/labels": { service: "winter-days", hop: "export", batch_date: "2026-11-20" },
      "logging.googleapis.com/trace": "projects/acme-prod/traces/4bf92f3577b34da6a3ce929d0e0e4736",
    });
  });

  it("gives errors their cause, and ERROR entries a stack_trace for Error Reporting", () => {
    const { lines, log } = capture();
    const error = new Error("warehouse unavailable", { cause: new Error("socket hang up") });
    log.error("predictions-load failed", { error });
    log.warn("retrying", { error });
    expect(lines[0]?.error).toMatchObject({
      message: "warehouse unavailable",
      cause: { message: "socket hang up" },
    });
    expect(String(lines[0]?.stack_trace)).toContain("warehouse unavailable");
    expect(lines[1]?.stack_trace).toBeUndefined();
  });

  it("ignores a malformed traceparent", () => {
    expect(traceOf("p", "not-a-trace")).toBeUndefined();
    expect(traceOf("p", undefined)).toBeUndefined();
  });
});
