import "server-only";
import { loadEnv } from "@/lib/env";
import { createLocalStorage } from "./local";
import type { ObjectStorage } from "./types";
import { createVercelBlobStorage } from "./vercel-blob";

export * from "./keys";
export * from "./types";
export { createLocalStorage } from "./local";
export { createVercelBlobStorage, type VercelBlobStorageConfig } from "./vercel-blob";

export type StorageConfig =
  | { driver: "local"; root: string }
  | { driver: "vercel-blob"; token: string; apiUrl?: string };

export function createStorage(config: StorageConfig): ObjectStorage {
  switch (config.driver) {
    case "local":
      return createLocalStorage(config.root);
    case "vercel-blob":
      return createVercelBlobStorage({ token: config.token, ...(config.apiUrl ? { apiUrl: config.apiUrl } : {}) });
  }
}

const cache = globalThis as unknown as { __scryonStorage?: ObjectStorage };

/** The process's storage, built once from `loadEnv().storage` (survives dev hot reloads). */
export function getStorage(): ObjectStorage {
  cache.__scryonStorage ??= createStorage(loadEnv().storage);
  return cache.__scryonStorage;
}
