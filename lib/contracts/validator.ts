import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { PermanentError, SchemaViolation } from "../errors.ts";
import { EVENT_SCHEMA_VERSION, EVENT_TYPES, type EventType, type WinterEvent } from "./events.ts";
import { RECORD_SCHEMAS, type RecordsBySource, type Source } from "./records.ts";
import { listSchemaFiles, schemasDir } from "./schema-files.ts";

// ajv-formats is CommonJS; its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** A bad record can break thousands of paths; the first ones say what is wrong, the rest only bloat logs. */
const MAX_PROBLEMS = 20;

function describe(errors: ErrorObject[] | null | undefined): string[] {
  const all = errors ?? [];
  const shown = all.slice(0, MAX_PROBLEMS).map((e) => {
    const where = e.instancePath === "" ? "(root)" : e.instancePath;
    if (e.keyword === "additionalProperties") {
      return `${where}: unexpected property ${JSON.stringify(e.params.additionalProperty)}`;
    }
    if (e.keyword === "required")
      return `${where}: missing required property ${JSON.stringify(e.params.missingProperty)}`;
    return `${where}: ${e.message ?? e.keyword}`;
  });
  return all.length > MAX_PROBLEMS ? [...shown, `… and ${all.length - MAX_PROBLEMS} more`] : shown;
}

/**
 * Validators for every schema under schemas/, compiled on first use. Create one per process (or per
 * test) and pass it in; nothing is compiled at module load.
 */
export class Contracts {
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(dir: string = schemasDir) {
    this.#ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(this.#ajv);
    for (const file of listSchemaFiles()) {
      const schema = JSON.parse(readFileSync(`${dir}${file}`, "utf8")) as { $id?: string };
      this.#ajv.addSchema(schema, file);
    }
  }

  #validator(file: string): ValidateFunction {
    let validate = this.#compiled.get(file);
    if (!validate) {
      validate = this.#ajv.getSchema(file);
      if (!validate) throw new Error(`no schema ${file} under schemas/`);
      this.#compiled.set(file, validate);
    }
    return validate;
  }

  /** Problems of `value` against a schema file (relative to schemas/); empty when valid. */
  problems(file: string, value: unknown): string[] {
    const validate = this.#validator(file);
    return validate(value) ? [] : describe(validate.errors);
  }

  /** Returns `value` typed as a record of `source`, or throws SchemaViolation naming `where`. */
  record<S extends Source>(source: S, value: unknown, where: string): RecordsBySource[S] {
    const problems = this.problems(RECORD_SCHEMAS[source].file, value);
    if (problems.length > 0) throw new SchemaViolation(`${source} record at ${where}`, problems);
    return value as RecordsBySource[S];
  }

  /**
   * Checks an event's type and version, then its schema. Unknown types and versions are permanent
   * failures with their own reasons, so operators can tell a producer on a newer release from bad data.
   */
  event(value: unknown, where: string): WinterEvent {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new SchemaViolation(`event at ${where}`, ["(root): must be a JSON object"]);
    }
    const { event_type: type, schema_version: version } = value as Record<string, unknown>;
    if (!EVENT_TYPES.includes(type as EventType)) {
      throw new PermanentError(
        "unknown-event-type",
        `event at ${where} has unknown event_type ${JSON.stringify(type)}`,
      );
    }
    if (version !== EVENT_SCHEMA_VERSION) {
      throw new PermanentError(
        "unknown-version",
        `event ${String(type)} at ${where} has schema_version ${JSON.stringify(version)}; this release reads ${EVENT_SCHEMA_VERSION}`,
      );
    }
    const problems = this.problems(`events/${String(type)}.v${EVENT_SCHEMA_VERSION}.json`, value);
    if (problems.length > 0) throw new SchemaViolation(`${String(type)} event at ${where}`, problems);
    return value as WinterEvent;
  }
}
