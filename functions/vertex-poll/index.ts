import * as functions from "@google-cloud/functions-framework";
import { httpEntry } from "../../lib/http-entry.ts";
import { instanceDeps } from "../../lib/platform/cloud.ts";
import { vertexPollHop } from "./handle.ts";

functions.http(vertexPollHop.name, httpEntry(vertexPollHop, instanceDeps));
