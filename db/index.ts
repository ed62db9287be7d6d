import "server-only";
import { loadEnv } from "@/lib/env";
import { migrateDatabase, openDatabase, type Database, type DatabaseHandle } from "./client";

export type { Database, DbOrTx, Transaction } from "./client";

// One handle per process. Kept on globalThis because Next bundles instrumentation.ts and the
// route handlers separately; both must share the same PGlite instance (one process per data dir).
const holder = globalThis as unknown as { __scryonDb?: Promise<DatabaseHandle> };

async function connect(): Promise<DatabaseHandle> {
  const env = loadEnv();
  const handle = await openDatabase({ databaseUrl: env.databaseUrl, pgliteDir: env.pgliteDir });
  await migrateDatabase(handle);
  return handle;
}

/** The app's database, migrated on first use. */
export async function getDb(): Promise<Database> {
  holder.__scryonDb ??= connect().catch((error: unknown) => {
    holder.__scryonDb = undefined;
    throw error;
  });
  return (await holder.__scryonDb).db;
}
