/**
 * `npm run bench:search`: the first page of search results (lib/search/service.ts `searchCalls`, what
 * `GET /api/search` and the Search page run) on 10 000 calls of 30 minutes for one user — about 4 million
 * transcript segments, a summary and three action items per call (scripts/generate-search-corpus.ts) — for
 * a few kinds of query, beside the bare SQL it sends (the same statements replayed on the same connection).
 * Goal (issue 16): p95 ≤ 100 ms.
 *
 *   npm run bench:search                                   # PostgreSQL: reuses (or fills) database scryon_bench_search
 *   npm run bench:search -- --database-url <url> --calls 10000 --runs 100 --explain
 *   npm run bench:search -- --pglite                       # PGlite in a temp dir, a smaller corpus (default 500 calls)
 *
 * Run timed parts alone: `flock /tmp/scryon-bench.lock npm run bench:search`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { migrateDatabase, openDatabase, type Database, type DatabaseHandle } from "../db/client";
import * as schema from "../db/schema";
import { searchCalls } from "../lib/search/service";
import { generateSearchCorpus, searchVocabulary } from "../scripts/generate-search-corpus";
import { rawExecutor } from "../scripts/generate-scale";
import { percentile } from "./support/app";

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const usePglite = flag("pglite");
const calls = Number(argument("calls") ?? (usePglite ? 500 : 10_000));
const runs = Number(argument("runs") ?? (usePglite ? 40 : 100));
const GOAL_MS = 100;
const DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/scryon_bench_search";

type Captured = { text: string; params: unknown[] };

async function ensureDatabase(url: string) {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  const [exists] = await sql`select 1 from pg_database where datname = ${name}`;
  if (!exists) await sql.unsafe(`create database "${name.replace(/"/g, "")}"`);
  await sql.end();
}

async function main() {
  let handle: DatabaseHandle;
  let pgliteDir: string | undefined;
  const started = performance.now();
  if (usePglite) {
    pgliteDir = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-bench-search-"));
    handle = await openDatabase({ pgliteDir: path.join(pgliteDir, "pglite") });
  } else {
    const url = argument("database-url") ?? DEFAULT_URL;
    await ensureDatabase(url);
    handle = await openDatabase({ databaseUrl: url, maxConnections: 1 });
  }
  await migrateDatabase(handle);
  const { exec, query } = await rawExecutor(handle);
  const existing = await query(`select id from users where external_user_id = 'search-bench-a'`);
  let userId: string;
  if (existing[0]) {
    userId = existing[0].id;
    console.log("reusing the generated corpus in this database");
  } else {
    userId = (await generateSearchCorpus(exec, query, { calls, log: (message) => console.log(`  ${message}`) })).userId;
    console.log(`generated ${calls} calls in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  }
  const [counts] = (await query(
    `select (select count(*) from call_records where user_id = '${userId}')::text as id,
            (select count(*) from call_search_entries where user_id = '${userId}')::text as entries,
            (select count(*) from call_search_entries)::text as total`,
  )) as unknown as { id: string; entries: string; total: string }[];
  console.log(`user's calls: ${counts!.id}; user's search rows: ${counts!.entries} (all users: ${counts!.total}); driver ${handle.driver}\n`);

  // A capturing twin of the handle: the same client, a logger that keeps the SQL it sends.
  const client = (handle.db as unknown as { $client: unknown }).$client;
  let captured: Captured[] = [];
  const logger = { logQuery: (text: string, params: unknown[]) => void captured.push({ text, params }) };
  const capturing: Database =
    handle.driver === "postgres"
      ? ((await import("drizzle-orm/postgres-js")).drizzle(client as never, { schema, logger }) as unknown as Database)
      : ((await import("drizzle-orm/pglite")).drizzle(client as never, { schema, logger }) as unknown as Database);
  const bare = async (statements: Captured[]) => {
    for (const statement of statements) {
      if (handle.driver === "postgres") await (client as { unsafe(text: string, params: unknown[]): Promise<unknown> }).unsafe(statement.text, statement.params as never);
      else await (client as { query(text: string, params: unknown[]): Promise<unknown> }).query(statement.text, statement.params);
    }
  };

  // Words by Zipf rank in the generated vocabulary: the rarer, the fewer rows.
  const vocabulary = searchVocabulary();
  const rare = vocabulary[vocabulary.length - 400]!;
  const cursorOf = async (q: string) => (await searchCalls(handle.db, { userId, query: q })).nextCursor;
  const cases: { name: string; q: string; cursor?: string | null }[] = [
    { name: `rare word (${rare})`, q: rare },
    { name: "a word nobody said (zebra)", q: "zebra" },
    { name: "business word (budget)", q: "budget" },
    { name: "common word (think)", q: "think" },
    { name: 'phrase ("next week")', q: '"next week"' },
    { name: "or (invoice or contract)", q: "invoice or contract" },
    { name: "-word (budget -marketing)", q: "budget -marketing" },
    { name: "two words (pricing renewal)", q: "pricing renewal" },
    { name: "common word, 2nd page", q: "think", cursor: await cursorOf("think") },
  ];

  const rows: string[] = [];
  let worst = 0;
  for (const entry of cases) {
    const [matched] = (await query(
      `select count(*)::text as id from call_search_entries where user_id = '${userId}' and tsv @@ websearch_to_tsquery('english', '${entry.q.replace(/'/g, "''")}')`,
    )) as { id: string }[];
    const run = () => searchCalls(capturing, { userId, query: entry.q, cursor: entry.cursor ?? null });
    for (let i = 0; i < 5; i++) await run();
    captured = [];
    const first = await run();
    const statements = [...captured];
    const app: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < runs; i++) {
      captured = [];
      let t = performance.now();
      await run();
      app.push(performance.now() - t);
      t = performance.now();
      await bare(statements);
      raw.push(performance.now() - t);
    }
    const p50 = percentile(app, 50);
    const p95 = percentile(app, 95);
    const bareP95 = percentile(raw, 95);
    worst = Math.max(worst, p95);
    rows.push(
      `| ${entry.name} | ${Number(matched!.id).toLocaleString("en")} | ${first.items.length} | ${p50.toFixed(1)} | ${p95.toFixed(1)} | ${percentile(raw, 50).toFixed(1)} | ${bareP95.toFixed(1)} | ${(p95 / bareP95).toFixed(2)} | ${p95 <= GOAL_MS ? "yes" : "NO"} |`,
    );
    if (flag("explain")) {
      const main = statements.find((statement) => statement.text.includes("order by"));
      if (main && handle.driver === "postgres") {
        const plan = (await (client as { unsafe(text: string, params: unknown[]): Promise<{ "QUERY PLAN": string }[]> }).unsafe(
          `explain (analyze, buffers) ${main.text}`,
          main.params as never,
        )) as { "QUERY PLAN": string }[];
        console.log(`${entry.name}:\n${plan.map((line) => `    ${line["QUERY PLAN"]}`).join("\n")}\n`);
      }
    }
  }
  console.log(`first page of results (${runs} runs each; ms; "bare" = the same statements replayed without the app code):\n`);
  console.log("| query | rows matching | results | p50 | p95 | bare p50 | bare p95 | p95 ratio | p95 ≤ 100 ms |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const row of rows) console.log(row);
  console.log(`\nworst p95: ${worst.toFixed(1)} ms (goal ${GOAL_MS} ms): ${worst <= GOAL_MS ? "met" : "MISSED"}`);
  await handle.close();
  if (pgliteDir) fs.rmSync(pgliteDir, { recursive: true, force: true });
}

await main();
