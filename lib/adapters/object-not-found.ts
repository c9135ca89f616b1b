import { gsUri } from "../ports/objects.ts";

/**
 * Reading an object that does not exist. Both object adapters throw this class, so callers decide
 * the same way in both places (for a hop, usually PermanentError with reason "missing-object").
 */
export class ObjectNotFound extends Error {
  override name = "ObjectNotFound";
  readonly bucket: string;
  readonly objectName: string;
  readonly uri: string;
  constructor(bucket: string, name: string, options?: ErrorOptions) {
    const uri = gsUri(bucket, name);
    super(`object ${uri} does not exist`, options);
    this.bucket = bucket;
    this.objectName = name;
    this.uri = uri;
  }
}
