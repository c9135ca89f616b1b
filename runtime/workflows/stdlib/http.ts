/**
 * `http.get|post|put|patch|delete|request`: real HTTP through the injected fetch function.
 *
 * Request: `query` is appended to the URL; a body that is not bytes or a string is sent as JSON
 * (Content-Type `application/json` unless set); strings are sent as they are when a non-JSON
 * Content-Type is set; `auth` is checked (OIDC or OAuth2) and recorded, but offline no token is
 * attached; `timeout` is in seconds (default and maximum 1800). The User-Agent names Cloud
 * Workflows, as the real service's does.
 *
 * Response: `{body, code, headers}` with lower-case header names. A JSON content type gives a
 * decoded body, `text/*` a string, anything else bytes; an empty body is null.
 *
 * Errors: a status outside 2xx raises HttpError with `code`, `body` and `headers`; a connection
 * that cannot be made (refused, unknown host) raises ConnectionFailedError; a connection that
 * breaks during the exchange raises ConnectionError; an exceeded timeout raises TimeoutError; a
 * response over 2 MB raises ResourceLimitError (the service's limit).
 */
import { Buffer } from "node:buffer";
import { RaisedError, workflowError } from "../errors.ts";
import { decodeJson, encodeJson } from "../json-codec.ts";
import { Bytes, isList, isMap, typeName, type Value, type WfMap, wfMap } from "../values.ts";
import { isMissing, mapArg, numberArg, stringArg } from "./args.ts";
import { toText } from "./core.ts";
import { type Builtin, type BuiltinContext, builtin } from "./registry.ts";

const MAX_TIMEOUT_SECONDS = 1800;
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
const USER_AGENT = "GoogleCloudWorkflows; (+https://cloud.google.com/workflows/docs)";
const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]);
const REQUEST_PARAMS = [
  "url",
  "method",
  "headers",
  "body",
  "query",
  "auth",
  "timeout",
  "private_service_name",
];
const CONNECTION_FAILED_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_INVALID_URL",
]);

/** What we send: text, or raw bytes. */
type RequestBody = string | Uint8Array<ArrayBuffer>;

interface RequestArgs {
  url: string;
  method: string;
  headers: Headers;
  body: RequestBody | undefined;
  timeoutSeconds: number;
  auth: string | null;
}

function buildUrl(rawUrl: string, query: Value | undefined): string {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw workflowError("ValueError", `http: invalid url "${rawUrl}"`);
  }
  if (!isMissing(query)) {
    for (const [key, value] of mapArg("http", "query", query)) {
      for (const item of isList(value) ? value : [value]) url.searchParams.append(key, toText(item));
    }
  }
  return url.toString();
}

function buildBody(body: Value | undefined, headers: Headers): RequestBody | undefined {
  if (isMissing(body)) return undefined;
  if (body instanceof Bytes) {
    if (!headers.has("content-type")) headers.set("content-type", "application/octet-stream");
    return new Uint8Array(body.data);
  }
  const contentType = headers.get("content-type")?.toLowerCase();
  if (contentType === undefined) headers.set("content-type", "application/json; charset=utf-8");
  if (contentType === undefined || contentType.includes("json")) return encodeJson(body);
  if (typeof body === "string") return body;
  if (contentType.startsWith("application/x-www-form-urlencoded") && isMap(body)) {
    const form = new URLSearchParams();
    for (const [key, value] of body) form.append(key, toText(value));
    return form.toString();
  }
  throw workflowError("TypeError", `http: a ${typeName(body)} body cannot be sent as ${contentType}`);
}

function requestArgs(fixedMethod: string | undefined, args: Array<Value | undefined>): RequestArgs {
  const named = new Map(REQUEST_PARAMS.map((name, i) => [name, args[i]]));
  const url = stringArg("http", "url", named.get("url") ?? null);
  const method =
    fixedMethod ?? stringArg("http.request", "method", named.get("method") ?? null).toUpperCase();
  if (!METHODS.has(method)) throw workflowError("ValueError", `http.request: unsupported method "${method}"`);
  const headers = new Headers();
  const headerArg = named.get("headers");
  if (!isMissing(headerArg)) {
    for (const [name, value] of mapArg("http", "headers", headerArg)) headers.set(name, toText(value));
  }
  headers.set(
    "user-agent",
    headers.has("user-agent") ? `${headers.get("user-agent")} ${USER_AGENT}` : USER_AGENT,
  );
  const timeoutArg = named.get("timeout");
  const timeoutSeconds = isMissing(timeoutArg)
    ? MAX_TIMEOUT_SECONDS
    : numberArg("http", "timeout", timeoutArg);
  if (!(timeoutSeconds > 0 && timeoutSeconds <= MAX_TIMEOUT_SECONDS)) {
    throw workflowError(
      "ValueError",
      `http: timeout must be between 0 and ${MAX_TIMEOUT_SECONDS} seconds, got ${timeoutSeconds}`,
    );
  }
  return {
    url: buildUrl(url, named.get("query")),
    method,
    headers,
    body: buildBody(named.get("body"), headers),
    timeoutSeconds,
    auth: authType(named.get("auth")),
  };
}

function authType(auth: Value | undefined): string | null {
  if (isMissing(auth)) return null;
  const type = mapArg("http", "auth", auth).get("type");
  if (type !== "OIDC" && type !== "OAuth2") {
    throw workflowError(
      "ValueError",
      `http: auth.type must be OIDC or OAuth2, got ${JSON.stringify(type ?? null)}`,
    );
  }
  return type;
}

function responseHeaders(headers: Headers): WfMap {
  const map: WfMap = new Map();
  for (const [name, value] of headers) map.set(name.toLowerCase(), value);
  return map;
}

function responseBody(data: Uint8Array, contentType: string | null): Value {
  if (data.length === 0) return null;
  const type = (contentType ?? "").toLowerCase();
  const text = (): string => new TextDecoder().decode(data);
  if (type.includes("json")) {
    try {
      return decodeJson(text());
    } catch {
      return text();
    }
  }
  if (type.startsWith("text/")) return text();
  return new Bytes(data);
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = current.cause;
  }
  return undefined;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

/** Maps a failure of the transport to the error Workflows raises for it. */
function transportError(error: unknown, request: RequestArgs, connected: boolean): RaisedError {
  if (error instanceof RaisedError) return error;
  const where = `${request.method} ${request.url}`;
  if (isTimeout(error))
    return workflowError("TimeoutError", `${where} timed out after ${request.timeoutSeconds} s`);
  const code = errorCode(error);
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  if (!connected && code !== undefined && CONNECTION_FAILED_CODES.has(code)) {
    return workflowError(
      "ConnectionFailedError",
      `${where}: connection could not be established (${reason})`,
    );
  }
  return workflowError("ConnectionError", `${where}: connection broke during the request (${reason})`);
}

async function readBody(response: Response): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES)
      throw workflowError("ResourceLimitError", `HTTP response exceeds ${MAX_RESPONSE_BYTES} bytes`);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

async function send(
  fixedMethod: string | undefined,
  args: Array<Value | undefined>,
  context: BuiltinContext,
): Promise<Value> {
  const request = requestArgs(fixedMethod, args);
  context.onHttpCall({ method: request.method, url: request.url, auth: request.auth });
  let connected = false;
  let response: Response;
  let data: Uint8Array;
  try {
    response = await context.http(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.timeout(Math.ceil(request.timeoutSeconds * 1000)),
    });
    connected = true;
    data = await readBody(response);
  } catch (error) {
    throw transportError(error, request, connected);
  }
  const headers = responseHeaders(response.headers);
  const body = responseBody(data, response.headers.get("content-type"));
  const code = BigInt(response.status);
  if (response.status < 200 || response.status > 299) {
    throw workflowError("HttpError", `HTTP server responded with error code ${response.status}`, {
      code,
      body,
      headers,
    });
  }
  return wfMap({ body, code, headers });
}

const FIXED_METHOD_PARAMS = REQUEST_PARAMS.filter((name) => name !== "method").map((name) =>
  name === "url" ? name : `${name}?`,
);

function fixedMethod(name: string, method: string): Builtin {
  return builtin(
    name,
    FIXED_METHOD_PARAMS,
    // Re-insert the method slot so every variant shares one argument layout.
    (args, context) => send(method, [args[0], undefined, ...args.slice(1)], context),
    { callOnly: true },
  );
}

export const httpFunctions: Builtin[] = [
  fixedMethod("http.get", "GET"),
  fixedMethod("http.post", "POST"),
  fixedMethod("http.put", "PUT"),
  fixedMethod("http.patch", "PATCH"),
  fixedMethod("http.delete", "DELETE"),
  builtin(
    "http.request",
    REQUEST_PARAMS.map((name) => (name === "url" || name === "method" ? name : `${name}?`)),
    (args, context) => send(undefined, args, context),
    {
      callOnly: true,
    },
  ),
];
