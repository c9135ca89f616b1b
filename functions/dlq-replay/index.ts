import * as functions from "@google-cloud/functions-framework";
import { instanceDeps } from "../../lib/platform/cloud.ts";
import { dlqReplayHandler } from "./handle.ts";

// For operators: POST {"subscription": "export-dead-letter-keep", "filter": {...}, "max": 100,
// "rate": 10, "dry_run": true} to replay dead letters from Google Cloud without the CLI.
functions.http("dlq-replay", dlqReplayHandler(instanceDeps));
