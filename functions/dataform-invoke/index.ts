import * as functions from "@google-cloud/functions-framework";
import { httpEntry } from "../../lib/http-entry.ts";
import { instanceDeps } from "../../lib/platform/cloud.ts";
import { dataformInvokeHop } from "./handle.ts";

functions.http(dataformInvokeHop.name, httpEntry(dataformInvokeHop, instanceDeps));
