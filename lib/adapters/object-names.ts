/**
 * Bucket and object name rules both object adapters enforce, so that a name the local stand-in
 * accepts is one Cloud Storage accepts too, and no name can reach outside the local root.
 *
 * Buckets follow Cloud Storage's naming rules. Object names are stricter than Cloud Storage's
 * (which allows almost any UTF-8): they must also be safe relative file paths, because the local
 * stand-in stores `<root>/<bucket>/<name>`, and the warehouse reads those files in place.
 */
import { PermanentError } from "../errors.ts";

/** A bucket or object name that breaks the rules; never retried: the name will not change. */
export class InvalidObjectName extends PermanentError {
  override name = "InvalidObjectName";
  constructor(message: string) {
    super("invalid-identifier", message);
  }
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const MAX_OBJECT_NAME_BYTES = 1024;
/** Most filesystems refuse longer path segments. */
const MAX_SEGMENT_BYTES = 255;

/** Throws InvalidObjectName unless `bucket` is a valid Cloud Storage bucket name. */
export function checkBucketName(bucket: string): void {
  const fail = (why: string): never => {
    throw new InvalidObjectName(`invalid bucket name ${JSON.stringify(bucket)}: ${why}`);
  };
  if (typeof bucket !== "string") fail("not a string");
  if (!/^[a-z0-9][a-z0-9._-]*[a-z0-9]$/.test(bucket)) {
    fail("use lowercase letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
  }
  const parts = bucket.split(".");
  if (parts.length === 1 && (bucket.length < 3 || bucket.length > 63)) fail("must be 3 to 63 characters");
  if (parts.length > 1 && (bucket.length < 3 || bucket.length > 222)) fail("must be 3 to 222 characters");
  if (parts.some((part) => part.length === 0 || part.length > 63)) {
    fail("each dot-separated part must be 1 to 63 characters");
  }
  if (IPV4.test(bucket)) fail("must not look like an IP address");
  if (bucket.startsWith("goog")) fail('must not start with "goog"');
  if (/g[o0]{2}g[l1]e/.test(bucket)) fail('must not contain "google" or a look-alike');
}

/**
 * Throws InvalidObjectName unless `name` is an object name that is both valid in Cloud Storage and
 * a safe relative path: no empty, `.` or `..` segments, no leading or trailing `/`, no backslash,
 * no NUL or other control character.
 */
export function checkObjectName(bucket: string, name: string): void {
  const fail = (why: string): never => {
    throw new InvalidObjectName(`invalid object name ${JSON.stringify(name)} in bucket ${bucket}: ${why}`);
  };
  if (typeof name !== "string" || name === "") fail("must be a non-empty string");
  if (Buffer.byteLength(name) > MAX_OBJECT_NAME_BYTES) fail(`must be at most ${MAX_OBJECT_NAME_BYTES} bytes`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
  if (/[\u0000-\u001f\u007f]/.test(name)) fail("must not contain control characters (NUL, CR, LF, ...)");
  if (name.includes("\\")) fail("must not contain a backslash");
  if (name.startsWith("/")) fail("must not be absolute (start with '/')");
  if (name.endsWith("/")) fail("must not end with '/' (folders are prefixes, not objects)");
  for (const segment of name.split("/")) {
    if (segment === "") fail("must not contain an empty path segment ('//')");
    if (segment === "." || segment === "..") fail("must not contain '.' or '..' segments");
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)
      fail(`path segments must be at most ${MAX_SEGMENT_BYTES} bytes`);
  }
  if (name.startsWith(".well-known/acme-challenge/"))
    fail("the .well-known/acme-challenge/ prefix is reserved");
}

/**
 * Throws InvalidObjectName unless `prefix` could start a valid object name. It may be empty, end
 * with "/" or stop in the middle of a segment ("part-"); its complete segments follow the name rules.
 */
export function checkObjectPrefix(bucket: string, prefix: string): void {
  if (prefix === "") return;
  const lastSlash = prefix.lastIndexOf("/");
  const partial = prefix.slice(lastSlash + 1);
  // Stand in for the unknown rest of the last segment, so that "..", "." and "" pass as beginnings.
  checkObjectName(bucket, `${prefix.slice(0, lastSlash + 1)}${partial}x`);
}
