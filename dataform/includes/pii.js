/**
 * Pseudonymisation of PII: a keyed SHA-256 of the normalised value, so equal values still join
 * while the raw value never leaves bronze, and a guessed e-mail cannot be hashed without the key.
 * The key lives in a one-row table (column hash_key) named by var pii_hash_key_ref; models join it
 * as `pii_key`.
 */

/** The key table as a Dataform target, from var pii_hash_key_ref (dataset.table). */
function keyTable() {
  const ref = dataform.projectConfig.vars.pii_hash_key_ref || "";
  const [schema, name, extra] = ref.split(".");
  if (!schema || !name || extra !== undefined) {
    throw new Error(`var pii_hash_key_ref=${JSON.stringify(ref)} is not dataset.table`);
  }
  return { schema, name };
}

/** The key table's name, for ref() (unique in the project, so unit tests can give it as an input). */
function keyName() {
  return keyTable().name;
}

/** Keyed hash of a trimmed, lower-cased value; expects `pii_key` in the FROM clause. */
function hash(expression) {
  return dialect.keyedHash(`LOWER(TRIM(${expression}))`, "pii_key.hash_key");
}

module.exports = { keyTable, keyName, hash };
