import "server-only";
import type { DbOrTx } from "../client";

/**
 * Statements of the hottest reads (the session's user, one call), built once per database handle or
 * transaction and run with placeholders. Building a drizzle query costs ~0.2 ms of CPU per request —
 * as much as postgres.js spends sending it and parsing the answer (`npm run bench:api`, docs/performance-api.md).
 */
const statements = new WeakMap<object, Map<string, unknown>>();

export function prepared<T>(db: DbOrTx, name: string, build: (db: DbOrTx) => T): T {
  let byName = statements.get(db);
  if (!byName) {
    byName = new Map();
    statements.set(db, byName);
  }
  let statement = byName.get(name) as T | undefined;
  if (statement === undefined) {
    statement = build(db);
    byName.set(name, statement);
  }
  return statement;
}
