import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { migrateDatabase, openDatabase, type Database } from "@/db/client";

export type DatabaseKind = "pglite" | "postgres";

/**
 * Every database test runs on PGlite, and also on a real PostgreSQL when TEST_DATABASE_URL is set
 * (CI sets it). Use with `describe.each(databaseKinds())`.
 */
export function databaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ["pglite", "postgres"] : ["pglite"];
}

export interface TestDatabase {
  db: Database;
  kind: DatabaseKind;
  /** The connection URL (PostgreSQL only), for tests that start another process on the same database. */
  url?: string;
  close(): Promise<void>;
}

/** A fresh, migrated, empty database of the given kind; `close()` drops it. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    const handle = await openDatabase({});
    await migrateDatabase(handle);
    return { db: handle.db, kind, close: handle.close };
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error("TEST_DATABASE_URL is not set");
  const name = `scryon_test_${randomUUID().replace(/-/g, "")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ databaseUrl: url.toString(), maxConnections: 4 });
  await migrateDatabase(handle);
  return {
    db: handle.db,
    kind,
    url: url.toString(),
    close: async () => {
      await handle.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** `db.execute` answers an array on postgres.js and `{ rows }` on PGlite; this gives the rows either way. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
