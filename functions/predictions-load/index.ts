import * as functions from "@google-cloud/functions-framework";
import { httpEntry } from "../../lib/http-entry.ts";
import { instanceDeps } from "../../lib/platform/cloud.ts";
import { predictionsLoadHop } from "./handle.ts";

functions.http(predictionsLoadHop.name, httpEntry(predictionsLoadHop, instanceDeps));
