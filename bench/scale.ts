/**
 * `npm run bench:scale`: the call list, its filters and search, and the action-item inbox on 100 000 calls and
 * 300 000 action items for one user (plus a fifth of that for a second user), through the app's own query
 * functions (`db/queries/`) and, side by side in the same run, the bare SQL those functions emit (captured
 * from drizzle's logger) run directly on the driver. Prints p50/p95 of each and the ratio.
 *
 *   npm run bench:scale                              # PostgreSQL (fresh database next to BENCH_DATABASE_URL)
 *   npm run bench:scale -- --pglite                  # PGlite in a temp dir (default 20 000 calls / 60 000 items)
 *   npm run bench:scale -- --calls 100000 --items 300000 --runs 200 --explain
 *   npm run bench:scale -- --database-url <url>      # reuse a database generate-scale.ts already filled
 *
 * Goal (issue #15): every p95 <= 50 ms and <= 2x the bare SQL's p95.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrateDatabase, openDatabase, type Database, type DatabaseHandle } from "../db/client";
import * as schema from "../db/schema";
import { listActionItemPage, listActionItems, type ActionItemFilter } from "../db/queries/action-items";
import { countCallsByStatus, encodeCallCursor, listCalls, type ListCallsOptions } from "../db/queries/calls";
import { DEFAULT_LISTED_STATUSES } from "../components/calls/filters";
import { inboxFilter } from "../lib/action-items/service";
import { generateScale, rawExecutor } from "../scripts/generate-scale";
import { createPostgresDatabase, percentile } from "./support/app";

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const usePglite = flag("pglite");
const calls = Number(argument("calls") ?? (usePglite ? 20_000 : 100_000));
const items = Number(argument("items") ?? (usePglite ? 60_000 : 300_000));
const runs = Number(argument("runs") ?? (usePglite ? 60 : 200));
const only = argument("only");
const GOAL_MS = 50;
const GOAL_RATIO = 2;

type Captured = { text: string; params: unknown[] };

interface Case {
  name: string;
  run(db: Database): Promise<unknown>;
}

async function main() {
  let handle: DatabaseHandle;
  let dropDatabase: (() => Promise<void>) | undefined;
  let pgliteDir: string | undefined;
  let users: { userId: string; otherUserId: string };
  const reuseUrl = argument("database-url");
  const startedAt = performance.now();
  if (usePglite) {
    pgliteDir = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-bench-scale-"));
    handle = await openDatabase({ pgliteDir: path.join(pgliteDir, "pglite") });
  } else if (reuseUrl) {
    handle = await openDatabase({ databaseUrl: reuseUrl, maxConnections: 1 });
  } else {
    const database = await createPostgresDatabase();
    dropDatabase = database.drop;
    handle = await openDatabase({ databaseUrl: database.url, maxConnections: 1 });
  }
  await migrateDatabase(handle);
  const { exec, query } = await rawExecutor(handle);
  const existing = await query(`select id from users where external_user_id in ('scale-user-a', 'scale-user-b') order by external_user_id`);
  if (existing.length === 2) {
    users = { userId: existing[0]!.id, otherUserId: existing[1]!.id };
    console.log(`reusing the generated rows in the given database`);
  } else {
    users = await generateScale(exec, query, { calls, items });
    console.log(`generated ${calls} calls / ${items} items (+ a fifth for a second user) in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  }
  const counts = await query(
    `select (select count(*) from call_records where user_id = '${users.userId}')::text as id,
            (select count(*) from action_items a join call_records c on c.id = a.call_record_id where c.user_id = '${users.userId}')::text as items`,
  );
  console.log(`user's rows: ${counts[0]!.id} calls, ${(counts[0] as unknown as { items: string }).items} action items; driver ${handle.driver}`);

  // The capturing twin: the same client, a drizzle instance whose logger keeps the SQL it sends.
  const client = (handle.db as unknown as { $client: unknown }).$client;
  let captured: Captured[] = [];
  const logger = { logQuery: (text: string, params: unknown[]) => void captured.push({ text, params }) };
  const capturing: Database =
    handle.driver === "postgres"
      ? ((await import("drizzle-orm/postgres-js")).drizzle(client as never, { schema, logger }) as unknown as Database)
      : ((await import("drizzle-orm/pglite")).drizzle(client as never, { schema, logger }) as unknown as Database);
  const bare = async (statements: Captured[]) => {
    for (const statement of statements) {
      if (handle.driver === "postgres") {
        await (client as { unsafe(text: string, params: unknown[]): Promise<unknown> }).unsafe(statement.text, statement.params);
      } else {
        await (client as { query(text: string, params: unknown[]): Promise<unknown> }).query(statement.text, statement.params);
      }
    }
  };

  const userId = users.userId;
  const [deep] = (await query(
    `select id, created_at::text as created_at from call_records where user_id = '${userId}' and status <> 'UPLOADING' order by created_at desc, id desc offset 1000 limit 1`,
  )) as unknown as { id: string; created_at: string }[];
  const deepCursor = encodeCallCursor({ id: deep!.id, createdAt: new Date(deep!.created_at) });
  const [someCall] = await query(`select id from call_records where user_id = '${userId}' and status = 'COMPLETED' order by created_at desc offset 500 limit 1`);
  const today = new Date().toISOString().slice(0, 10);
  let deepInboxCursor: string | null = null;
  for (let i = 0; i < 20; i++) deepInboxCursor = (await listActionItemPage(handle.db, { userId, filter: {}, cursor: deepInboxCursor })).nextCursor;

  const list = (name: string, options: Omit<ListCallsOptions, "userId">): Case => ({
    name,
    run: (db) => listCalls(db, { userId, limit: 25, statuses: DEFAULT_LISTED_STATUSES, ...options }),
  });
  const inbox = (name: string, query: Parameters<typeof inboxFilter>[0] | ActionItemFilter, raw = false): Case => ({
    name,
    // What the inbox page and `GET /api/action-items` read: the first page (ACTION_ITEM_PAGE_SIZE rows).
    run: (db) => listActionItemPage(db, { userId, filter: raw ? (query as ActionItemFilter) : inboxFilter(query as Parameters<typeof inboxFilter>[0], today) }),
  });
  const cases: Case[] = [
    list("calls: first page", {}),
    list("calls: page after 1 000 rows (cursor)", { cursor: deepCursor }),
    list("calls: status FAILED", { statuses: ["FAILED"] }),
    list("calls: status QUEUED,PROCESSING", { statuses: ["QUEUED", "PROCESSING"] }),
    list("calls: direction INCOMING", { direction: "INCOMING" }),
    list("calls: q=acme (common org)", { query: "acme" }),
    list("calls: q=ximena petrov (one contact)", { query: "ximena petrov" }),
    list("calls: q=renewal (title word)", { query: "renewal" }),
    list("calls: q=zzqx (no match)", { query: "zzqx" }),
    list("calls: q=acme + status FAILED", { query: "acme", statuses: ["FAILED"] }),
    { name: "calls: count by status", run: (db: Database) => countCallsByStatus(db, userId) },
    inbox("inbox: all", { status: "all", owner: "all", due: "any" }),
    { name: "inbox: the page after 20 pages (cursor)", run: (db: Database) => listActionItemPage(db, { userId, filter: {}, cursor: deepInboxCursor }) },
    {
      name: "inbox export: all (1 000 rows, CSV/ICS)",
      run: (db: Database) => listActionItems(db, { userId, filter: inboxFilter({ status: "all", owner: "all", due: "any" }, today) }),
    },
    inbox("inbox: any item? (limit 1)", { limit: 1 }, true),
    inbox("inbox: OPEN", { status: "OPEN", owner: "all", due: "any" }),
    inbox("inbox: OPEN, mine", { status: "OPEN", owner: "me", due: "any" }),
    inbox("inbox: DONE", { status: "DONE", owner: "all", due: "any" }),
    inbox("inbox: SNOOZED", { status: "SNOOZED", owner: "all", due: "any" }),
    inbox("inbox: overdue", { status: "all", owner: "all", due: "overdue" }),
    inbox("inbox: OPEN, due today", { status: "OPEN", owner: "all", due: "today" }),
    inbox("inbox: OPEN, mine, this week", { status: "OPEN", owner: "me", due: "week" }),
    inbox("inbox: no due date", { status: "all", owner: "all", due: "none" }),
    inbox("inbox: OPEN, mine, no due date", { status: "OPEN", owner: "me", due: "none" }),
    inbox("inbox: one call", { status: "all", owner: "all", due: "any", callId: someCall!.id }),
  ].filter((item) => !only || item.name.includes(only));

  const results: { name: string; rows: number; app50: number; app95: number; bare50: number; bare95: number }[] = [];
  for (const testCase of cases) {
    captured = [];
    const answer = await testCase.run(capturing);
    const statements = captured;
    const rows = Array.isArray(answer) ? answer.length : ((answer as { items?: unknown[]; rows?: unknown[] }).items ?? (answer as { rows?: unknown[] }).rows)?.length ?? 1;
    if (flag("explain")) {
      console.log(`\n## ${testCase.name}`);
      for (const statement of statements) {
        const plan = await explain(handle, client, statement);
        console.log(`${statement.text}\n-- params ${JSON.stringify(statement.params)}\n${plan}`);
      }
    }
    const app: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < 5; i++) {
      await testCase.run(handle.db);
      await bare(statements);
    }
    for (let i = 0; i < runs; i++) {
      // Alternate the order so neither side always runs on a warmer cache.
      const measureApp = async () => {
        const started = performance.now();
        await testCase.run(handle.db);
        app.push(performance.now() - started);
      };
      const measureBare = async () => {
        const started = performance.now();
        await bare(statements);
        raw.push(performance.now() - started);
      };
      if (i % 2 === 0) {
        await measureApp();
        await measureBare();
      } else {
        await measureBare();
        await measureApp();
      }
    }
    const result = { name: testCase.name, rows, app50: percentile(app, 50), app95: percentile(app, 95), bare50: percentile(raw, 50), bare95: percentile(raw, 95) };
    results.push(result);
    console.log(
      `${result.name.padEnd(42)} rows ${String(rows).padStart(4)}  app p50 ${result.app50.toFixed(1).padStart(6)} p95 ${result.app95.toFixed(1).padStart(6)} ms` +
        `  bare p50 ${result.bare50.toFixed(1).padStart(6)} p95 ${result.bare95.toFixed(1).padStart(6)} ms  ratio ${(result.app95 / result.bare95).toFixed(2)}` +
        `  ${result.app95 <= GOAL_MS && result.app95 <= GOAL_RATIO * result.bare95 ? "ok" : "MISS"}  load ${os.loadavg()[0]!.toFixed(2)}`,
    );
  }
  const misses = results.filter((result) => result.app95 > GOAL_MS || result.app95 > GOAL_RATIO * result.bare95);
  console.log(
    `\n${handle.driver}, ${calls} calls / ${items} items, ${runs} runs each, ${os.cpus().length} cores, load ${os.loadavg().map((value) => value.toFixed(2)).join(" ")}: ` +
      `${results.length - misses.length}/${results.length} within p95 <= ${GOAL_MS} ms and <= ${GOAL_RATIO}x bare` +
      (misses.length ? `; missed: ${misses.map((miss) => miss.name).join("; ")}` : ""),
  );
  await handle.close();
  await dropDatabase?.();
  if (pgliteDir) fs.rmSync(pgliteDir, { recursive: true, force: true });
}

async function explain(handle: DatabaseHandle, client: unknown, statement: Captured): Promise<string> {
  const text = `explain (analyze, buffers) ${statement.text}`;
  // EXPLAIN ANALYZE runs the statement: an UPDATE (the snooze wake-up) is run in a transaction rolled back.
  const isWrite = /^\s*(update|delete|insert)/i.test(statement.text);
  if (handle.driver === "postgres") {
    const pg = client as { begin<T>(fn: (tx: { unsafe(text: string, params: unknown[]): Promise<{ "QUERY PLAN": string }[]> }) => Promise<T>): Promise<T> };
    let plan = "";
    await pg
      .begin(async (tx) => {
        const rows = await tx.unsafe(text, statement.params);
        plan = rows.map((row) => row["QUERY PLAN"]).join("\n");
        if (isWrite) throw new RollBack();
      })
      .catch((error: unknown) => {
        if (!(error instanceof RollBack)) throw error;
      });
    return plan;
  }
  const lite = client as { query(text: string, params: unknown[]): Promise<{ rows: { "QUERY PLAN": string }[] }>; exec(text: string): Promise<unknown> };
  if (isWrite) await lite.exec("begin");
  const { rows } = await lite.query(text, statement.params);
  if (isWrite) await lite.exec("rollback");
  return rows.map((row) => row["QUERY PLAN"]).join("\n");
}

class RollBack extends Error {}

await main();
