import fs from "node:fs";
import path from "node:path";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type Schema = typeof schema;
/** A drizzle handle on either driver (postgres.js or PGlite), or a transaction on one. */
export type Database = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type DbOrTx = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  driver: "postgres" | "pglite";
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = path.join(process.cwd(), "drizzle");

/** PostgreSQL settings of the embedded PGlite database (`-c name=value` at its start). */
export const PGLITE_SETTINGS = ["shared_buffers=16MB", "maintenance_work_mem=16MB"];

/**
 * Seconds postgres.js waits before reconnecting after `retries` failed attempts. Its default grows to 20 s,
 * so after an outage every request kept waiting (and answering 503) for up to 20 s after PostgreSQL was
 * back (found by e2e/faults.spec.ts); this stays under a second.
 */
export function postgresReconnectBackoff(retries: number): number {
  return Math.min(0.01 * 3 ** retries, 1);
}

/** Opens a database: postgres.js when a URL is given, else PGlite in `pgliteDir` (or in memory). */
export async function openDatabase(options: { databaseUrl?: string; pgliteDir?: string; maxConnections?: number }): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const { default: postgres } = await import("postgres");
    const { drizzle } = await import("drizzle-orm/postgres-js");
    const client = postgres(options.databaseUrl, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      backoff: postgresReconnectBackoff,
      connection: { TimeZone: "UTC" },
    });
    return {
      db: drizzle(client, { schema }) as unknown as Database,
      driver: "postgres",
      close: () => client.end({ timeout: 5 }),
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  if (options.pgliteDir) {
    // PGlite does not create parent directories itself.
    fs.mkdirSync(path.dirname(options.pgliteDir), { recursive: true });
  }
  // PGlite runs PostgreSQL in this process's wasm heap, which grows and never shrinks: its settings are the
  // server's memory. shared_buffers is 128 MB by default; 16 MB keeps the whole hot set of a one-user
  // install (data pages are also in the OS page cache, PGlite reads real files) and saves ~110 MB resident.
  // maintenance_work_mem bounds what a migration's CREATE INDEX takes (default 64 MB). See
  // docs/performance-uploads-memory.md.
  // pg_trgm: the call search's trigram index (migration 0006) needs the extension loaded in PGlite.
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  const settings = {
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((setting) => ["-c", setting])],
    extensions: { pg_trgm },
  };
  const client = options.pgliteDir ? new PGlite(options.pgliteDir, settings) : new PGlite(settings);
  await client.waitReady;
  return {
    db: drizzle(client, { schema }) as unknown as Database,
    driver: "pglite",
    close: () => client.close(),
  };
}

/** Applies the committed drizzle-kit migrations in `drizzle/`. Safe to run on every start. */
export async function migrateDatabase(handle: DatabaseHandle, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  if (handle.driver === "postgres") {
    const { migrate } = await import("drizzle-orm/postgres-js/migrator");
    await migrate(handle.db as never, { migrationsFolder });
  } else {
    const { migrate } = await import("drizzle-orm/pglite/migrator");
    await migrate(handle.db as never, { migrationsFolder });
  }
}
