import { ConfigError } from "./errors.ts";

export type Mode = "local" | "gcp";

/** Everything the platform reads from its environment, parsed once and passed in. */
export interface Config {
  mode: Mode;
  /** Local mode: root folder of the embedded stand-ins (objects, documents, broker, warehouse). */
  dataDir: string;
  project: string;
  region: string;
  /** Prefix of every cloud resource name (topics, subscriptions, functions, buckets). */
  prefix: string;
  lakeBucket: string;
  firestoreDatabase: string;
  bigqueryLocation: string;
  stagingDataset: string;
  warehouseDataset: string;
  salesCollection: string;
  ledgerCollection: string;
  /** Dataform repository resource name (gcp mode). */
  dataformRepository: string | undefined;
  /**
   * Key for the keyed hash that pseudonymises PII in silver. Offline the local Dataform runner
   * writes it to the key table; in the cloud no function reads it (terraform's deployment copies it
   * from Secret Manager into winter_days_secure.pii_hash_key, which only Dataform reads).
   */
  piiHashKey: string | undefined;
  /** Churn label: no purchase in this many days after the feature cut-off. */
  churnLabelWindowDays: number;
  /** Vertex AI: the churn pipeline's service account, compiled spec and pipeline root (gcp mode). */
  vertexServiceAccount: string;
  vertexPipelineTemplate: string;
  vertexPipelineRoot: string;
}

type Env = Record<string, string | undefined>;

const ID = /^[a-z][a-z0-9-]{0,20}[a-z0-9]$/;

function read(env: Env, name: string, fallback: string | undefined, pattern?: RegExp, hint?: string): string {
  const raw = env[name];
  const value = raw === undefined || raw === "" ? fallback : raw;
  if (value === undefined) throw new ConfigError(`${name} is required${hint ? `: ${hint}` : ""}`);
  if (pattern && !pattern.test(value)) {
    throw new ConfigError(`${name}=${JSON.stringify(value)} is invalid${hint ? `: ${hint}` : ""}`);
  }
  return value;
}

/** Parses the environment; throws ConfigError naming the first variable that is missing or wrong. */
export function loadConfig(env: Env = process.env): Config {
  const mode = read(env, "WINTER_DAYS_MODE", "local", /^(local|gcp)$/, "local or gcp") as Mode;
  const cloud = mode === "gcp";
  const project = read(
    env,
    "GOOGLE_CLOUD_PROJECT",
    cloud ? undefined : "winter-days-local",
    /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/,
    "a Google Cloud project id",
  );
  const prefix = read(env, "WINTER_DAYS_PREFIX", "winter-days", ID, "lowercase letters, digits and dashes");
  const lakeBucket = read(
    env,
    "WINTER_DAYS_LAKE_BUCKET",
    `${project}-${prefix}-lake`,
    /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/,
  );
  return {
    mode,
    dataDir: read(env, "WINTER_DAYS_DATA_DIR", ".winter-days"),
    project,
    region: read(
      env,
      "WINTER_DAYS_REGION",
      "europe-west1",
      /^[a-z]+-[a-z]+[0-9]$/,
      "a region such as europe-west1",
    ),
    prefix,
    lakeBucket: read(
      env,
      "WINTER_DAYS_LAKE_BUCKET",
      `${project}-${prefix}-lake`,
      /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/,
    ),
    firestoreDatabase: read(env, "WINTER_DAYS_FIRESTORE_DATABASE", "(default)"),
    bigqueryLocation: read(env, "WINTER_DAYS_BIGQUERY_LOCATION", "EU"),
    stagingDataset: "winter_days_staging",
    warehouseDataset: "winter_days_warehouse",
    salesCollection: "winter_sales",
    ledgerCollection: "winter_days_runs",
    dataformRepository: env.WINTER_DAYS_DATAFORM_REPOSITORY || undefined,
    churnLabelWindowDays: Number(
      read(env, "WINTER_DAYS_CHURN_LABEL_DAYS", "30", /^([1-9]|[1-8][0-9]|90)$/, "whole days from 1 to 90"),
    ),
    vertexServiceAccount: read(
      env,
      "WINTER_DAYS_VERTEX_SERVICE_ACCOUNT",
      `${prefix}-vertex@${project}.iam.gserviceaccount.com`,
      /^[a-z][a-z0-9-]{4,29}@[a-z0-9.-]+\.iam\.gserviceaccount\.com$/,
      "a service account e-mail",
    ),
    vertexPipelineTemplate: read(
      env,
      "WINTER_DAYS_VERTEX_PIPELINE_TEMPLATE",
      `gs://${lakeBucket}/mlops/pipelines/churn_pipeline.json`,
      /^gs:\/\/.+\.json$/,
      "a gs:// URI of the compiled pipeline spec",
    ),
    vertexPipelineRoot: read(
      env,
      "WINTER_DAYS_VERTEX_PIPELINE_ROOT",
      `gs://${lakeBucket}/mlops/pipeline-root/`,
      /^gs:\/\/.+/,
      "a gs:// URI",
    ),
    piiHashKey:
      cloud && !env.WINTER_DAYS_PII_HASH_KEY
        ? undefined
        : read(
            env,
            "WINTER_DAYS_PII_HASH_KEY",
            "local-development-key-not-secret",
            /^.{16,}$/,
            "at least 16 characters; in the cloud it lives in Secret Manager",
          ),
  };
}
