import * as functions from "@google-cloud/functions-framework";
import { instanceDeps } from "../../lib/platform/cloud.ts";
import { generateHttp } from "./http.ts";

// Cloud Scheduler posts {"source": "...", "date": "today"}; the backfill workflow adds "publish": false.
functions.http("generate", generateHttp(instanceDeps));
