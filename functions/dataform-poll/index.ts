import * as functions from "@google-cloud/functions-framework";
import { httpEntry } from "../../lib/http-entry.ts";
import { instanceDeps } from "../../lib/platform/cloud.ts";
import { dataformPollHop } from "./handle.ts";

functions.http(dataformPollHop.name, httpEntry(dataformPollHop, instanceDeps));
