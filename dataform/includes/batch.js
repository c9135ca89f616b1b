/**
 * The batch being processed, from the compile var batch_date. Validated here because it is
 * spliced into SQL: anything but a real calendar date fails the compilation.
 */

function date() {
  const value = dataform.projectConfig.vars.batch_date;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value || "") || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new Error(`var batch_date=${JSON.stringify(value)} is not a date YYYY-MM-DD`);
  }
  return value;
}

/** The batch date as a DATE literal, valid in BigQuery and DuckDB alike. */
function dateLiteral() {
  return `DATE '${date()}'`;
}

module.exports = { date, dateLiteral };
