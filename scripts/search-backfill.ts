// `npm run search:backfill`: indexes for search the calls processed before search existed (or whose
// indexing failed): their stored transcripts and summaries. Idempotent; a no-op when nothing is missing.
// Action items are indexed by migration 0009's triggers from then on; items older than that are indexed here.
import { loadEnv } from "../lib/env";
import { migrateDatabase, openDatabase } from "../db/client";
import { backfillSearchIndex } from "../lib/search/indexer";
import { getStorage } from "../lib/storage";

const env = loadEnv();
const handle = await openDatabase({ databaseUrl: env.databaseUrl, pgliteDir: env.pgliteDir, maxConnections: 1 });
try {
  await migrateDatabase(handle);
  const result = await backfillSearchIndex({ db: handle.db, storage: getStorage() }, { log: (message) => console.warn(message) });
  console.log(`Indexed ${result.transcripts} transcripts, ${result.summaries} summaries and ${result.actionItems} action items; ${result.failed} failed.`);
  if (result.failed > 0) process.exitCode = 1;
} finally {
  await handle.close();
}
