/**
 * Structured logging in the shape Cloud Logging reads from stdout: one JSON object per line with
 * `severity`, `message`, labels and trace. The one logger of the project; nothing else writes logs.
 */
export type Severity = "DEBUG" | "INFO" | "NOTICE" | "WARNING" | "ERROR" | "CRITICAL";

export type LogLabels = Record<string, string>;

/** `projects/<project>/traces/<trace id>` from a W3C traceparent (`00-<trace id>-<span id>-<flags>`). */
export function traceOf(project: string, traceparent: string | undefined): string | undefined {
  const match = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent ?? "");
  return match ? `projects/${project}/traces/${match[1]}` : undefined;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  notice(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose entries carry these labels as well (and this trace, when given). */
  child(labels: LogLabels, trace?: string): Logger;
}

export type LogSink = (line: string) => void;

export interface LoggerOptions {
  sink?: LogSink;
  labels?: LogLabels;
  /** `projects/<id>/traces/<trace id>` when the request carried one. */
  trace?: string;
  minSeverity?: Severity;
}

const order: Record<Severity, number> = { DEBUG: 0, INFO: 1, NOTICE: 2, WARNING: 3, ERROR: 4, CRITICAL: 5 };

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    return {
      name: value.name,
      message: value.message,
      stack: value.stack,
      ...(value.cause === undefined ? {} : { cause: serialise(value.cause) }),
    };
  }
  return value;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const sink = options.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const labels = options.labels ?? {};
  const min = order[options.minSeverity ?? "INFO"];
  const write = (severity: Severity, message: string, fields: Record<string, unknown> = {}) => {
    if (order[severity] < min) return;
    const entry: Record<string, unknown> = { severity, message, time: new Date().toISOString() };
    for (const [key, value] of Object.entries(fields)) {
      entry[key] = serialise(value);
      // Cloud Error Reporting groups ERROR entries by a top-level stack_trace.
      if (
        value instanceof Error &&
        order[severity] >= order.ERROR &&
        entry.stack_trace === undefined &&
        value.stack
      ) {
        entry.stack_trace = value.stack;
      }
    }
    if (Object.keys(labels).length > 0) entry["logging.googleapis.com/labels"] = labels;
    if (options.trace) entry["logging.googleapis.com/trace"] = options.trace;
    sink(JSON.stringify(entry));
  };
  return {
    debug: (m, f) => write("DEBUG", m, f),
    info: (m, f) => write("INFO", m, f),
    notice: (m, f) => write("NOTICE", m, f),
    warn: (m, f) => write("WARNING", m, f),
    error: (m, f) => write("ERROR", m, f),
    child: (more, trace) =>
      createLogger({ ...options, sink, labels: { ...labels, ...more }, ...(trace ? { trace } : {}) }),
  };
}

/** A logger that keeps entries in memory: for tests and for the CLI, which prints its own progress. */
export function memoryLogger(): Logger & { entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  const logger = createLogger({ sink: (line) => entries.push(JSON.parse(line)), minSeverity: "DEBUG" });
  return Object.assign(logger, { entries });
}
