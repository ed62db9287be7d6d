// `npm run db:migrate`: applies drizzle/ migrations to DATABASE_URL, or to the embedded PGlite.
import { loadEnv } from "../lib/env";
import { migrateDatabase, openDatabase } from "../db/client";

const env = loadEnv();
const handle = await openDatabase({ databaseUrl: env.databaseUrl, pgliteDir: env.pgliteDir, maxConnections: 1 });
try {
  await migrateDatabase(handle);
  console.log(`Migrations applied (${handle.driver === "postgres" ? "PostgreSQL" : `PGlite at ${env.pgliteDir}`}).`);
} finally {
  await handle.close();
}
