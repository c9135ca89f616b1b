/** The `sys` module: time, environment, sleeping and logging. */
import { workflowError } from "../errors.ts";
import { encodeJson } from "../json-codec.ts";
import { Bytes, FunctionRef, isMap, toJs, typeName, type Value } from "../values.ts";
import { isMissing, numberArg, stringArg } from "./args.ts";
import { type Builtin, type BuiltinContext, builtin } from "./registry.ts";
import { parseTime } from "./time.ts";

const SEVERITIES = [
  "DEFAULT",
  "DEBUG",
  "INFO",
  "NOTICE",
  "WARNING",
  "ERROR",
  "CRITICAL",
  "ALERT",
  "EMERGENCY",
];

function log(args: Array<Value | undefined>, context: BuiltinContext): Value {
  const [data, severityArg, text, json] = args;
  const given = [data, text, json].filter((value) => !isMissing(value));
  if (given.length !== 1) throw workflowError("TypeError", "sys.log needs exactly one of data, text or json");
  const severity = isMissing(severityArg)
    ? "DEFAULT"
    : stringArg("sys.log", "severity", severityArg).toUpperCase();
  if (!SEVERITIES.includes(severity))
    throw workflowError("ValueError", `sys.log: unknown severity "${severity}"`);
  const payload = given[0] as Value;
  if (payload instanceof Bytes || payload instanceof FunctionRef) {
    throw workflowError("TypeError", `sys.log cannot log a ${typeName(payload)}`);
  }
  if (!isMissing(json) && !isMap(json)) throw workflowError("TypeError", "sys.log: json must be a map");
  // Maps given as `data` or `json` become a JSON payload; everything else is a text payload.
  const fields: Record<string, unknown> = { workflowSeverity: severity };
  let message: string;
  if (isMap(payload) && isMissing(text)) {
    fields.jsonPayload = toJs(payload);
    message = encodeJson(payload);
  } else {
    message = typeof payload === "string" ? payload : encodeJson(payload);
  }
  const write =
    {
      DEFAULT: context.logger.info,
      DEBUG: context.logger.debug,
      INFO: context.logger.info,
      NOTICE: context.logger.notice,
      WARNING: context.logger.warn,
    }[severity] ?? context.logger.error;
  write.call(context.logger, message, fields);
  return null;
}

async function sleep(seconds: Value | undefined, context: BuiltinContext): Promise<Value> {
  const duration = numberArg("sys.sleep", "seconds", seconds ?? null);
  if (!(duration >= 0))
    throw workflowError("ValueError", `sys.sleep: seconds must not be negative, got ${duration}`);
  await context.sleep(duration);
  return null;
}

export const sysFunctions: Builtin[] = [
  builtin("sys.now", [], (_args, context) => context.now()),
  builtin("sys.get_env", ["name", "default?"], ([name, fallback], context) => {
    const key = stringArg("sys.get_env", "name", name ?? null);
    if (!isMissing(fallback)) stringArg("sys.get_env", "default", fallback);
    return context.env.get(key) ?? fallback ?? null;
  }),
  builtin("sys.sleep", ["seconds"], ([seconds], context) => sleep(seconds, context), { callOnly: true }),
  builtin(
    "sys.sleep_until",
    ["time"],
    ([time], context) => {
      const target = parseTime(stringArg("sys.sleep_until", "time", time ?? null));
      return sleep(Math.max(0, target - context.now()), context);
    },
    { callOnly: true },
  ),
  builtin(
    "sys.log",
    ["data?", "severity?", "text?", "json?", "timeout?"],
    (args, context) => log(args, context),
    {
      callOnly: true,
    },
  ),
];
