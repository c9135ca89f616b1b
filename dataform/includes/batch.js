/**
 * The batch being processed, from the compile var batch_date. Validated here because it is
 * spliced into SQL: anything but a real calendar date fails the compilation.
 */

function date() {
  const value = dataform.projectConfig.vars.batch_date;
  // Date.parse alone would take 2026-02-30 for 2 March: the date must read back as itself.
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value || "") ? new Date(`${value}T00:00:00Z`) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) {
    throw new Error(`var batch_date=${JSON.stringify(value)} is not a date YYYY-MM-DD`);
  }
  return value;
}

/** The batch date as a DATE literal, valid in BigQuery and DuckDB alike. */
function dateLiteral() {
  return `DATE '${date()}'`;
}

module.exports = { date, dateLiteral };
