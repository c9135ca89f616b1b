/**
 * The one rewrite the runner applies to compiled SQL before DuckDB sees it: Dataform writes every
 * resolved name as a backtick-quoted `project.dataset.table`, which DuckDB cannot parse. Each
 * backtick identifier becomes double-quoted parts, and the project part is dropped when it is the
 * compilation's default project, since DuckDB's datasets (schemas) live in one database file.
 * Dataform's own generated SQL (the rowConditions assertion, for one) also quotes a condition as a
 * BigQuery string literal, escaping quotes with a backslash; inside single-quoted literals `\'`
 * becomes DuckDB's `''`. Everything else dialect-specific is chosen at compile time by
 * includes/dialect.js, whose DuckDB output therefore never contains `\'`.
 *
 * The scan skips string literals and comments, so a backtick inside them is left alone.
 */
export function rewriteIdentifiers(sql: string, defaultProject: string | undefined): string {
  let out = "";
  let i = 0;
  while (i < sql.length) {
    const char = sql[i];
    const next = sql[i + 1];
    if (char === "'" || char === '"') {
      const end = endOfString(sql, i, char);
      const literal = sql.slice(i, end);
      out += char === "'" ? literal.replaceAll("\\'", "''") : literal;
      i = end;
    } else if (char === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (char === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (char === "`") {
      const end = sql.indexOf("`", i + 1);
      if (end === -1) throw new Error(`unterminated backtick identifier at offset ${i}`);
      out += quoteParts(sql.slice(i + 1, end), defaultProject);
      i = end + 1;
    } else {
      out += char;
      i += 1;
    }
  }
  return out;
}

/** Index just past a string literal that starts at `start`; a doubled or backslashed quote escapes. */
function endOfString(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === "\\" && sql[i + 1] === quote) {
      i += 2;
    } else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else {
      i += 1;
    }
  }
  return sql.length;
}

function quoteParts(identifier: string, defaultProject: string | undefined): string {
  const parts = identifier.split(".");
  if (parts.length === 3 && parts[0] === defaultProject) parts.shift();
  return parts.map((part) => `"${part.replace(/"/g, '""')}"`).join(".");
}
