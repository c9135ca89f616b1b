/**
 * GcsObjectStore without a network: the checks it makes before any request. With
 * WINTER_DAYS_TEST_BUCKET=<bucket> (and application default credentials) the whole object contract
 * runs against that real bucket as well:
 *
 *   WINTER_DAYS_TEST_BUCKET=my-scratch-bucket GOOGLE_CLOUD_PROJECT=my-project \
 *     npx vitest run test/contract/objects.gcs.test.ts
 */
import { describe, expect, it } from "vitest";
import { GcsObjectStore } from "../../lib/adapters/gcp/storage.ts";
import { InvalidObjectName } from "../../lib/adapters/object-names.ts";
import { INJECTED_BUCKET_NAMES, INJECTED_OBJECT_NAMES, objectStoreContract } from "./objects.contract.ts";

// An endpoint nothing listens on: if a check let a request through, it would fail differently.
const offline = () =>
  new GcsObjectStore({
    projectId: "winter-days-offline",
    storageOptions: { apiEndpoint: "http://127.0.0.1:9", retryOptions: { autoRetry: false } },
  });

describe("GcsObjectStore before any request", () => {
  it("is created without touching the network", () => {
    expect(offline()).toBeInstanceOf(GcsObjectStore);
  });

  it("refuses the same object names as the local stand-in", async () => {
    const store = offline();
    for (const bad of INJECTED_OBJECT_NAMES) {
      await expect(store.write("winter-days-lake", bad, "x"), JSON.stringify(bad)).rejects.toBeInstanceOf(
        InvalidObjectName,
      );
      await expect(store.stat("winter-days-lake", bad), JSON.stringify(bad)).rejects.toBeInstanceOf(
        InvalidObjectName,
      );
    }
  });

  it("refuses the same bucket names as the local stand-in", async () => {
    const store = offline();
    for (const bad of INJECTED_BUCKET_NAMES) {
      await expect(store.read(bad, "a.txt"), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidObjectName);
      await expect(store.list(bad, ""), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidObjectName);
    }
  });
});

const realBucket = process.env.WINTER_DAYS_TEST_BUCKET;
if (realBucket) {
  objectStoreContract(`GcsObjectStore (gs://${realBucket})`, async () => ({
    store: new GcsObjectStore({ projectId: process.env.GOOGLE_CLOUD_PROJECT ?? "" }),
    bucket: realBucket,
    dispose: async () => {},
  }));
}
