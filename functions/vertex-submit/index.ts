import * as functions from "@google-cloud/functions-framework";
import { httpEntry } from "../../lib/http-entry.ts";
import { instanceDeps } from "../../lib/platform/cloud.ts";
import { vertexSubmitHop } from "./handle.ts";

functions.http(vertexSubmitHop.name, httpEntry(vertexSubmitHop, instanceDeps));
