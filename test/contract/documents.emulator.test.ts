import { FirestoreDocumentStore } from "../../lib/adapters/gcp/firestore.ts";
import { startEmulator } from "../support/emulator.ts";
import { documentStoreContract } from "./documents.contract.ts";

documentStoreContract("FirestoreDocumentStore (Firestore emulator)", async () => {
  const emulator = await startEmulator("firestore");
  const store = new FirestoreDocumentStore({
    projectId: emulator.projectId,
    databaseId: "(default)",
    // Naming the universe spares the client a metadata-server probe for credentials it does not need.
    settings: { host: emulator.host, ssl: false, universeDomain: "googleapis.com" },
    // The emulator has no hot-spotting to protect against; ramping up would only slow the tests.
    bulkWriter: { throttling: false },
  });
  return {
    store,
    dispose: async () => {
      await store.close();
      await emulator.stop();
    },
  };
});
