import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalDocumentStore } from "../../lib/adapters/local/documents.ts";
import { documentStoreContract } from "./documents.contract.ts";

documentStoreContract("LocalDocumentStore (node:sqlite)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "wd-documents-"));
  const store = new LocalDocumentStore(join(dir, "documents.sqlite"));
  return {
    store,
    dispose: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
