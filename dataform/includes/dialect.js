/**
 * Dialect helpers, the way dbt's cross-database macros work: each returns BigQuery SQL when the
 * compile var `dialect` is "bigquery" (production) and the DuckDB equivalent when it is "duckdb"
 * (the offline runner). Only constructs whose syntax or semantics differ between the two engines
 * go through here; everything else in the project is written in the subset both engines share.
 * See docs/decisions/0001-dataform-dialect.md.
 */

const DIALECTS = ["bigquery", "duckdb"];

function name() {
  const value = dataform.projectConfig.vars.dialect || "bigquery";
  if (!DIALECTS.includes(value)) {
    throw new Error(`var dialect=${JSON.stringify(value)} is not one of ${DIALECTS.join(", ")}`);
  }
  return value;
}

function isDuckDb() {
  return name() === "duckdb";
}

/** BigQuery type name to DuckDB type name. TIMESTAMP is an absolute instant in both: TIMESTAMPTZ. */
const DUCKDB_TYPES = {
  STRING: "VARCHAR",
  INT64: "BIGINT",
  FLOAT64: "DOUBLE",
  NUMERIC: "DECIMAL(38, 9)",
  BOOL: "BOOLEAN",
  DATE: "DATE",
  TIMESTAMP: "TIMESTAMPTZ",
};

/** A column type as the target engine spells it; takes the BigQuery name. */
function type(bigQueryType) {
  const upper = bigQueryType.toUpperCase();
  if (!(upper in DUCKDB_TYPES))
    throw new Error(`type ${bigQueryType} has no DuckDB mapping in includes/dialect.js`);
  return isDuckDb() ? DUCKDB_TYPES[upper] : upper;
}

/** SAFE_CAST: NULL instead of an error when the value does not convert. */
function safeCast(expression, bigQueryType) {
  return isDuckDb()
    ? `TRY_CAST(${expression} AS ${type(bigQueryType)})`
    : `SAFE_CAST(${expression} AS ${type(bigQueryType)})`;
}

/**
 * Keyed SHA-256 of a value, lower-case hex, identical in both engines (DuckDB's sha256 already
 * returns hex; BigQuery's returns bytes). NULL stays NULL.
 */
function keyedHash(expression, keyExpression) {
  const message = `CONCAT(${keyExpression}, '|', ${expression})`;
  return isDuckDb() ? `sha256(${message})` : `TO_HEX(SHA256(${message}))`;
}

const PARTS = [
  "MICROSECOND",
  "MILLISECOND",
  "SECOND",
  "MINUTE",
  "HOUR",
  "DAY",
  "WEEK",
  "MONTH",
  "QUARTER",
  "YEAR",
];

function part(value) {
  const upper = value.toUpperCase();
  if (!PARTS.includes(upper)) throw new Error(`date part ${value} is not one of ${PARTS.join(", ")}`);
  return upper;
}

/** TIMESTAMP_TRUNC(ts, part), in UTC. */
function timestampTrunc(expression, datePart) {
  return isDuckDb()
    ? `date_trunc('${part(datePart).toLowerCase()}', ${expression})`
    : `TIMESTAMP_TRUNC(${expression}, ${part(datePart)})`;
}

/** Whole `part` boundaries crossed from `start` to `end` (BigQuery's DATE_DIFF(end, start, part)). */
function dateDiff(end, start, datePart) {
  return isDuckDb()
    ? `date_diff('${part(datePart).toLowerCase()}', ${start}, ${end})`
    : `DATE_DIFF(${end}, ${start}, ${part(datePart)})`;
}

/**
 * TIMESTAMP_DIFF(end, start, part): whole parts elapsed between two timestamps (10:00:59 to 10:01:01
 * is 0 minutes). DuckDB's date_sub counts the same; its date_diff would count boundaries crossed (1).
 */
function timestampDiff(end, start, datePart) {
  return isDuckDb()
    ? `date_sub('${part(datePart).toLowerCase()}', ${start}, ${end})`
    : `TIMESTAMP_DIFF(${end}, ${start}, ${part(datePart)})`;
}

/** DATE_ADD(date, INTERVAL n DAY) as a DATE (DuckDB's date + interval is a TIMESTAMP). */
function addDays(dateExpression, days) {
  return isDuckDb()
    ? `CAST(${dateExpression} + INTERVAL (${days}) DAY AS DATE)`
    : `DATE_ADD(${dateExpression}, INTERVAL ${days} DAY)`;
}

/** REGEXP_CONTAINS(value, pattern) with an RE2 pattern (both engines use RE2); no quotes in the pattern. */
function regexpContains(expression, pattern) {
  if (pattern.includes("'")) throw new Error(`regexpContains: pattern ${pattern} must not contain a quote`);
  return isDuckDb()
    ? `regexp_matches(${expression}, '${pattern}')`
    : `REGEXP_CONTAINS(${expression}, r'${pattern}')`;
}

/** `* EXCEPT (columns)`: every column but these (DuckDB spells it EXCLUDE). */
function starExcept(columns) {
  return `* ${isDuckDb() ? "EXCLUDE" : "EXCEPT"} (${columns.join(", ")})`;
}

/** COUNTIF(condition). */
function countIf(condition) {
  return isDuckDb() ? `count_if(${condition})` : `COUNTIF(${condition})`;
}

/**
 * Storage clauses after a CREATE TABLE column list: partitioning, clustering and description in
 * BigQuery; nothing in DuckDB, which has neither partitions nor clustering.
 */
function tableOptions({ partitionBy, clusterBy, description }) {
  if (isDuckDb()) return "";
  const clauses = [];
  if (partitionBy) clauses.push(`PARTITION BY ${partitionBy}`);
  if (clusterBy && clusterBy.length > 0) clauses.push(`CLUSTER BY ${clusterBy.join(", ")}`);
  if (description) clauses.push(`OPTIONS (description = ${bigQueryString(description)})`);
  return clauses.join("\n");
}

/** A single-quoted BigQuery string literal (backslashes and quotes escaped). */
function bigQueryString(value) {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * Column options after a column's type in CREATE TABLE: its description in BigQuery, so the table's
 * schema documents itself in the console; nothing in DuckDB, which has no column options.
 */
function columnOptions({ description }) {
  if (isDuckDb() || !description) return "";
  return `OPTIONS (description = ${bigQueryString(description)})`;
}

/** CURRENT_TIMESTAMP as a function call. */
function now() {
  return isDuckDb() ? "get_current_timestamp()" : "CURRENT_TIMESTAMP()";
}

module.exports = {
  name,
  isDuckDb,
  type,
  safeCast,
  keyedHash,
  timestampTrunc,
  dateDiff,
  timestampDiff,
  addDays,
  regexpContains,
  countIf,
  starExcept,
  tableOptions,
  columnOptions,
  now,
};
