import type { DatabaseSync } from "node:sqlite";

/**
 * Tables of the local broker's SQLite file.
 *
 * - `messages`: one row per published message (data, attributes, publish time); the id is the
 *   message id, AUTOINCREMENT so an id is never reused after its message is gone.
 * - `deliveries`: one row per (message, subscription) not yet acknowledged. `attempts` counts the
 *   deliveries made so far; `next_at` is when the row may next be delivered (or dead-lettered), so
 *   "available" is one indexed range scan. A leased row keeps its `ack_id` until it is delivered
 *   again, which is what makes an older delivery's ack id stale.
 * - `owners`: the broker instances that hold leases, so that a reopened file can release the leases
 *   of a process that died.
 *
 * Durations are stored as declared in the topology (seconds); the broker scales them when it uses
 * them, so one file can be reopened with another `backoffScale`.
 */
const schema = `
CREATE TABLE IF NOT EXISTS topics (
  name TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriptions (
  name TEXT PRIMARY KEY,
  topic TEXT NOT NULL,
  ack_deadline_seconds REAL NOT NULL,
  minimum_backoff_seconds REAL NOT NULL,
  maximum_backoff_seconds REAL NOT NULL,
  max_delivery_attempts INTEGER,
  dead_letter_topic TEXT,
  retention_seconds REAL NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS subscriptions_by_topic ON subscriptions (topic);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  topic TEXT NOT NULL,
  data BLOB NOT NULL,
  attributes TEXT NOT NULL,
  publish_time INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
  message_id INTEGER NOT NULL,
  subscription TEXT NOT NULL,
  publish_time INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  ack_id TEXT,
  lease_owner TEXT,
  lease_expires_at INTEGER,
  PRIMARY KEY (message_id, subscription)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (subscription, next_at);
CREATE TABLE IF NOT EXISTS owners (
  id TEXT PRIMARY KEY,
  pid INTEGER NOT NULL,
  opened_at INTEGER NOT NULL
);
`;

/**
 * Opens the file for concurrent use by several processes and creates the tables if missing.
 *
 * WAL lets readers run beside one writer. `synchronous=NORMAL` in WAL mode makes a committed
 * transaction survive a process crash (the threat this stand-in guards against); only an operating
 * system crash can lose the last commits, which is not worth an fsync per publish here.
 */
export function prepareBrokerDatabase(db: DatabaseSync): void {
  db.exec("PRAGMA busy_timeout = 10000");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec(schema);
}
