/**
 * `npm run bench:memory` — the embedded server's resident memory (VmRSS of the `next start` process that
 * serves requests) after boot and after processing one real call (a LibriSpeech reading from the test
 * fixtures, uploaded through `POST /api/calls`, processed by the default local engine), on PGlite and on
 * PostgreSQL. Then PGlite's own share: a bare Node process opening the same kind of database (as db/client.ts: pg_trgm loaded) with the app's
 * settings (`PGLITE_SETTINGS` in db/client.ts) and with PGlite's defaults, memory measured after a GC.
 *
 *   BENCH_DIST_DIR=.next-mine npm run bench:memory   # serve a copy of the build
 *   BENCH_DB=pglite npm run bench:memory             # one database only (none: PGlite's share only)
 * Needs `npm run build` first; PostgreSQL at BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PGLITE_SETTINGS } from "../db/client";
import { createPostgresDatabase, descendants, peakRssMb, rssMb, signIn, startApp } from "./support/app";

const GOALS = { pglite: 300, postgres: 200 } as const;
const PORT = Number(process.env.BENCH_PORT ?? 3295);
// BENCH_DB=pglite|postgres for one database, BENCH_DB=none for PGlite's share only.
const kinds = (process.env.BENCH_DB ? [process.env.BENCH_DB] : ["pglite", "postgres"]).filter((kind) => kind in GOALS) as ("pglite" | "postgres")[];
const fixtureDir = path.resolve("tests/fixtures/speech/librispeech/audio");
const recording = path.join(fixtureDir, fs.readdirSync(fixtureDir).filter((name) => name.endsWith(".flac")).sort()[0]!);
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function processOneCall(base: string, cookie: string): Promise<{ status: string; seconds: number }> {
  const form = new FormData();
  form.append("file", new Blob([new Uint8Array(fs.readFileSync(recording))]), path.basename(recording));
  const started = performance.now();
  const created = await fetch(`${base}/api/calls`, { method: "POST", headers: { cookie }, body: form });
  if (created.status !== 201) throw new Error(`upload answered ${created.status}: ${await created.text()}`);
  const { call } = (await created.json()) as { call: { id: string } };
  for (;;) {
    const response = await fetch(`${base}/api/calls/${call.id}`, { headers: { cookie } });
    const { call: current } = (await response.json()) as { call: { status: string } };
    if (current.status === "COMPLETED" || current.status === "FAILED") return { status: current.status, seconds: (performance.now() - started) / 1000 };
    if (performance.now() - started > 10 * 60_000) throw new Error("the call was not processed within 10 minutes");
    await settle(500);
  }
}

console.log(`\nmemory benchmark, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1024 ** 3)} GB, Node ${process.version}; recording ${path.basename(recording)}`);
for (const kind of kinds) {
  const database = kind === "postgres" ? await createPostgresDatabase() : null;
  // PGlite's data dir is ours, so a second server can open it again after the first one stops.
  const pgliteData = kind === "pglite" ? fs.mkdtempSync(path.join(os.tmpdir(), "scryon-bench-memory-")) : null;
  const app = await startApp({
    port: PORT,
    quiet: true,
    ...(database ? { databaseUrl: database.url } : {}),
    ...(pgliteData ? { env: { SCRYON_DATA_DIR: pgliteData } } : {}),
    ...(process.env.BENCH_DIST_DIR ? { distDir: process.env.BENCH_DIST_DIR } : {}),
  });
  try {
    const cookie = await signIn(app.base);
    // The pages a user opens first, so "after boot" includes Next's rendering of them.
    for (const page of ["/calls", "/inbox"]) await (await fetch(`${app.base}${page}`, { headers: { cookie } })).text();
    await settle(3000);
    const pid = app.pid();
    const goal = GOALS[kind];
    const boot = rssMb(pid);
    const call = await processOneCall(app.base, cookie);
    await settle(3000);
    const after = rssMb(pid);
    const peak = peakRssMb(pid);
    const children = descendants(pid).map((child) => rssMb(child)).reduce((sum, mb) => sum + mb, 0);
    console.log(`${kind}:`);
    console.log(`  after boot, sign-in and two pages   ${boot.toFixed(0)} MB   goal ≤ ${goal} MB: ${boot <= goal ? "met" : "missed"}`);
    console.log(`  after one call (${call.status}, ${call.seconds.toFixed(0)} s)     ${after.toFixed(0)} MB   goal ≤ ${goal} MB: ${after <= goal ? "met" : "missed"}`);
    console.log(`  peak (VmHWM)                        ${peak.toFixed(0)} MB; child processes still running: ${children.toFixed(0)} MB`);
    if (kind === "pglite") {
      // Every boot after the first: the same data dir (and its one call) opened again, no initdb.
      await app.stop();
      const again = await startApp({
        port: PORT,
        quiet: true,
        env: { SCRYON_DATA_DIR: pgliteData! },
        ...(process.env.BENCH_DIST_DIR ? { distDir: process.env.BENCH_DIST_DIR } : {}),
      });
      try {
        const cookieAgain = await signIn(again.base);
        for (const page of ["/calls", "/inbox"]) await (await fetch(`${again.base}${page}`, { headers: { cookie: cookieAgain } })).text();
        await settle(3000);
        const rebooted = rssMb(again.pid());
        console.log(`  later boot (same data dir), sign-in and two pages   ${rebooted.toFixed(0)} MB   goal ≤ ${goal} MB: ${rebooted <= goal ? "met" : "missed"}`);
      } finally {
        await again.stop();
      }
    }
  } finally {
    await app.stop();
    await database?.drop();
    if (pgliteData) fs.rmSync(pgliteData, { recursive: true, force: true });
  }
}

// PGlite's share, in a bare Node process: a fresh data dir (initdb runs, as at an install's first boot), then
// the same data dir opened again (every later boot), each after the app's migrations and 2 000 small queries.
const probe = `
import fs from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
const [dir, settingsJson] = process.argv.slice(1);
const settings = JSON.parse(settingsJson);
const mb = () => { globalThis.gc(); return process.memoryUsage().rss / 1048576; };
const bare = mb();
const db = new PGlite(dir, { extensions: { pg_trgm }, ...(settings.length ? { startParams: [...PGlite.defaultStartParams, ...settings.flatMap((s) => ["-c", s])] } : {}) });
await db.waitReady;
await migrate(drizzle(db), { migrationsFolder: "drizzle" });
for (let i = 0; i < 2000; i++) await db.query("select count(*) from call_records where title like $1", ["%" + i + "%"]);
const shared = (await db.query("show shared_buffers")).rows[0].shared_buffers;
console.log(JSON.stringify({ bare, pglite: mb() - bare, shared }));
await db.close();
`;
function pgliteShare(dir: string, settings: string[]) {
  const result = spawnSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", probe, dir, JSON.stringify(settings)], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`PGlite probe failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!) as { bare: number; pglite: number; shared: string };
}
console.log("PGlite's share (a bare Node process, RSS after a GC, minus the same process before PGlite):");
for (const [label, settings] of [
  ["the app's settings", PGLITE_SETTINGS],
  ["PGlite's defaults", []],
] as const) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-bench-pglite-"));
  try {
    const first = pgliteShare(path.join(dir, "db"), [...settings]);
    const again = pgliteShare(path.join(dir, "db"), [...settings]);
    console.log(
      `  ${label.padEnd(19)} (${[...settings].join(", ") || "shared_buffers=" + first.shared}): first boot ${first.pglite.toFixed(0)} MB, later boots ${again.pglite.toFixed(0)} MB (bare Node ${again.bare.toFixed(0)} MB)`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`load average ${os.loadavg().map((value) => value.toFixed(2)).join(" ")}`);
