import * as functions from "@google-cloud/functions-framework";
import { httpEntry } from "../../lib/http-entry.ts";
import { instanceDeps } from "../../lib/platform/cloud.ts";
import { exportHop } from "./handle.ts";

functions.http(exportHop.name, httpEntry(exportHop, instanceDeps));
