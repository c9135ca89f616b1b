import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalObjectStore } from "../../lib/adapters/local/objects.ts";
import { objectStoreContract } from "./objects.contract.ts";

objectStoreContract("LocalObjectStore (directory tree)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "wd-objects-"));
  return {
    store: new LocalObjectStore(join(dir, "objects")),
    bucket: "winter-days-local-winter-days-lake",
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});
