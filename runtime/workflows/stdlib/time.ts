/**
 * The `time` module. `time.format` writes ISO 8601 with microseconds, "Z" for UTC and a numeric
 * offset otherwise, as the reference's examples show ("2024-07-12T14:50:33.000000+02:00").
 */
import { workflowError } from "../errors.ts";
import { isMissing, numberArg, stringArg } from "./args.ts";
import { type Builtin, builtin } from "./registry.ts";

const UTC_NAMES = new Set(["", "UTC", "GMT", "Etc/UTC", "Etc/GMT", "Z"]);

function offsetMinutes(epochMs: number, timeZone: string): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).formatToParts(new Date(epochMs));
  } catch {
    throw workflowError("ValueError", `time.format: unknown timezone "${timeZone}"`);
  }
  const get = (type: string): number => Number(parts.find((part) => part.type === type)?.value ?? 0);
  const local = Date.UTC(
    get("year"),
    get("month") - 1,
    get("day"),
    get("hour"),
    get("minute"),
    get("second"),
  );
  return Math.round((local - Math.floor(epochMs / 1000) * 1000) / 60000);
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0");
}

export function formatTime(seconds: number, timeZone: string): string {
  if (!Number.isFinite(seconds))
    throw workflowError("ValueError", `time.format: invalid timestamp ${seconds}`);
  const wholeSeconds = Math.floor(seconds);
  const micros = Math.round((seconds - wholeSeconds) * 1e6);
  const isUtc = UTC_NAMES.has(timeZone);
  const offset = isUtc ? 0 : offsetMinutes(wholeSeconds * 1000, timeZone);
  const local = new Date((wholeSeconds + offset * 60) * 1000 + (micros === 1e6 ? 1000 : 0));
  const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const clock = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const fraction = pad(micros === 1e6 ? 0 : micros, 6);
  const sign = offset < 0 ? "-" : "+";
  const zone = isUtc ? "Z" : `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${date}T${clock}.${fraction}${zone}`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseTime(text: string): number {
  const match = RFC3339.exec(text.trim());
  if (match === null) throw workflowError("ValueError", `time.parse: "${text}" is not an RFC 3339 timestamp`);
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const ms = Date.UTC(
    Number(year),
    Number(month) - 1,
    Number(day),
    Number(hour),
    Number(minute),
    Number(second),
  );
  const check = new Date(ms);
  if (Number.isNaN(ms) || check.getUTCDate() !== Number(day) || check.getUTCMonth() !== Number(month) - 1) {
    throw workflowError("ValueError", `time.parse: "${text}" is not a valid date`);
  }
  let offsetSeconds = 0;
  if (zone !== undefined && zone.toUpperCase() !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    offsetSeconds = sign * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(4, 6)) * 60);
  }
  return ms / 1000 - offsetSeconds + (fraction === undefined ? 0 : Number(`0${fraction}`));
}

export const timeFunctions: Builtin[] = [
  builtin("time.format", ["seconds", "timezone?"], ([seconds, zone]) =>
    formatTime(
      numberArg("time.format", "seconds", seconds ?? null),
      isMissing(zone) ? "" : stringArg("time.format", "timezone", zone),
    ),
  ),
  builtin("time.parse", ["value"], ([value]) => parseTime(stringArg("time.parse", "value", value ?? null))),
];
