/**
 * `npm run bench:api` (after `npm run build`): the read API against a bare baseline, side by side in one run.
 *
 * For PostgreSQL and for PGlite: seeds a realistic user (40 calls with processing events, 200 action items)
 * through the app's own query functions, starts the built app (`bench/support/app.ts`), signs in, and drives
 * `GET /api/calls/:id`, `GET /api/calls` and `GET /api/action-items` with CONCURRENCY closed-loop clients
 * for BENCH_SECONDS each. Beside it, a bare `node:http` server (bench/support/api-baseline.ts) runs the same
 * SQL through the same driver on the same data and serialises the same JSON; the ratio app/baseline is
 * printed per route. Then "reads under processing": BENCH_UPLOADS uploads of short real speech
 * (tests/fixtures/speech/librispeech) are processed by the embedded pipeline while the reads run.
 *
 * Environment: BENCH_SECONDS (default 10), BENCH_CONCURRENCY (10), BENCH_DATABASES ("postgres,pglite"),
 * BENCH_PROCESSING ("postgres" | "pglite" | "postgres,pglite" | "none"; default "postgres,pglite"),
 * BENCH_UPLOADS (10), BENCH_PROCESSING_SECONDS (cap, 240), BENCH_NEXT_DIST_DIR (a `.next` copy to serve),
 * BENCH_CPU_PROF (a directory: the app runs with --cpu-prof there; summarise with
 * `npx tsx bench/support/cpuprofile-summary.ts --skip 25 <dir>`), BENCH_APP_PORT (3410).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createPostgresDatabase, percentile, signIn, startApp, type AppServer } from "./support/app";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const DATABASES = (process.env.BENCH_DATABASES ?? "postgres,pglite").split(",").filter(Boolean) as ("postgres" | "pglite")[];
const PROCESSING = (process.env.BENCH_PROCESSING ?? "postgres,pglite").split(",").filter((d) => d && d !== "none");
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 10);
const PROCESSING_CAP_S = Number(process.env.BENCH_PROCESSING_SECONDS ?? 240);
const APP_PORT = Number(process.env.BENCH_APP_PORT ?? 3410);
const BASELINE_PORT = APP_PORT + 1;
const DIST_DIR = process.env.BENCH_NEXT_DIST_DIR;
const CPU_PROF = process.env.BENCH_CPU_PROF;
const SPEECH_DIR = path.resolve("tests/fixtures/speech/librispeech/audio");

interface Result {
  /** CPU time the serving process spent per request (user + system), when its pid is known. */
  cpuMsPerRequest?: number;
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

const agentFor = (concurrency: number) => new http.Agent({ keepAlive: true, maxSockets: concurrency });

function get(agent: http.Agent, base: URL, pathname: string, cookie?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: base.hostname, port: base.port, path: pathname, agent, headers: cookie ? { cookie } : {} },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end();
  });
}

/** CPU time (user + system) a process has used, in ms; clock ticks are 100 Hz on Linux. */
function cpuMs(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** `concurrency` closed-loop clients for `seconds` (or until `until()` says stop); latencies in ms. */
async function drive(options: { base: string; paths: string[]; cookie?: string; seconds: number; concurrency?: number; until?: () => boolean; pid?: number; expectStatus?: number }): Promise<Result> {
  const base = new URL(options.base);
  const concurrency = options.concurrency ?? CONCURRENCY;
  const agent = agentFor(concurrency);
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const cpuBefore = options.pid ? cpuMs(options.pid) : NaN;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const stop = () => performance.now() >= deadline || (options.until?.() ?? false);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!stop()) {
        const pathname = options.paths[n++ % options.paths.length]!;
        const t0 = performance.now();
        try {
          const status = await get(agent, base, pathname, options.cookie);
          if (status !== (options.expectStatus ?? 200)) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuAfter = options.pid ? cpuMs(options.pid) : NaN;
  agent.destroy();
  return {
    cpuMsPerRequest: (cpuAfter - cpuBefore) / latencies.length,
    requests: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

function runBaselineTool(args: string[]): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "--conditions", "react-server", path.resolve("bench/support/api-baseline.ts"), ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function seed(target: string): Promise<{ userId: string; callIds: string[] }> {
  const child = runBaselineTool(["seed", target]);
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`seeding ${target} failed (${code})`);
  return JSON.parse(out.trim().split("\n").at(-1)!) as { userId: string; callIds: string[] };
}

async function startBaseline(target: string, userId: string): Promise<{ base: string; pid: number; stop(): Promise<void> }> {
  const child = runBaselineTool(["serve", target, String(BASELINE_PORT), userId]);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => chunk.toString().includes("listening") && resolve());
    child.once("exit", (code) => reject(new Error(`baseline exited (${code})`)));
  });
  return {
    base: `http://127.0.0.1:${BASELINE_PORT}`,
    pid: child.pid!,
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      child.kill("SIGKILL");
    },
  };
}

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
const load = () => os.loadavg().map((value) => value.toFixed(2)).join(" ");

function printRow(label: string, result: Result, baseline?: Result) {
  const ratio = baseline ? ` ${fmt(result.rps / baseline.rps, 2).padStart(6)}×` : "".padStart(8);
  const cpu = result.cpuMsPerRequest !== undefined && Number.isFinite(result.cpuMsPerRequest)
    ? `  cpu ${fmt(result.cpuMsPerRequest, 2).padStart(5)} ms/req (≈${fmt(1000 / result.cpuMsPerRequest, 0)}/s per free core)`
    : "";
  console.log(
    `  ${label.padEnd(34)} ${fmt(result.rps, 0).padStart(7)} req/s  p50 ${fmt(result.p50, 2).padStart(7)} ms  p95 ${fmt(result.p95, 2).padStart(7)} ms  p99 ${fmt(result.p99, 2).padStart(7)} ms  err ${String(result.errors).padStart(4)}${ratio}${cpu}`,
  );
}

async function uploadSpeech(app: AppServer, cookie: string, file: string, index: number): Promise<string> {
  const form = new FormData();
  form.set("file", new Blob([fs.readFileSync(file)], { type: "audio/flac" }), path.basename(file));
  form.set("title", `Processing bench ${index}`);
  const response = await fetch(`${app.base}/api/calls`, { method: "POST", headers: { cookie }, body: form });
  if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
  const { call } = (await response.json()) as { call: { id: string } };
  return call.id;
}

async function readsUnderProcessing(app: AppServer, cookie: string, callIds: string[], kind: string) {
  const files = fs.readdirSync(SPEECH_DIR).filter((name) => name.endsWith(".flac")).sort().map((name) => path.join(SPEECH_DIR, name));
  const paths = callIds.map((id) => `/api/calls/${id}`);
  const idle = await drive({ base: app.base, paths, cookie, seconds: Math.min(SECONDS, 5) });
  printRow(`${kind}: reads, idle`, idle);
  const started = performance.now();
  const uploaded = await Promise.all(Array.from({ length: UPLOADS }, (_, i) => uploadSpeech(app, cookie, files[i % files.length]!, i)));
  const uploadSeconds = (performance.now() - started) / 1000;
  const states = new Map<string, string>();
  let finished = false;
  const poller = (async () => {
    const agent = agentFor(1);
    while (!finished) {
      for (const id of uploaded) {
        if (states.get(id) === "COMPLETED" || states.get(id) === "FAILED") continue;
        const response = await fetch(`${app.base}/api/calls/${id}`, { headers: { cookie } });
        const { call } = (await response.json()) as { call: { status: string } };
        states.set(id, call.status);
      }
      if (uploaded.every((id) => states.get(id) === "COMPLETED" || states.get(id) === "FAILED")) finished = true;
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
    agent.destroy();
  })();
  const loadBefore = load();
  const busy = await drive({ base: app.base, paths, cookie, seconds: PROCESSING_CAP_S, until: () => finished });
  finished = true;
  await poller;
  const total = (performance.now() - started) / 1000;
  const done = [...states.values()];
  printRow(`${kind}: reads, ${UPLOADS} uploads processing`, busy, idle);
  console.log(
    `    uploads sent in ${fmt(uploadSeconds)} s; processed ${done.filter((s) => s === "COMPLETED").length} completed, ${done.filter((s) => s === "FAILED").length} failed of ${UPLOADS} in ${fmt(total)} s; load ${loadBefore} → ${load()}`,
  );
}

async function benchDatabase(kind: "postgres" | "pglite") {
  let target: string;
  let appEnv: Record<string, string> = {};
  let cleanup = async () => {};
  let baselineTarget: string;
  if (kind === "postgres") {
    const database = await createPostgresDatabase();
    target = database.url;
    baselineTarget = database.url;
    cleanup = () => database.drop();
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-bench-api-"));
    target = path.join(dir, "pglite");
    // PGlite is one process per directory: the baseline reads its own copy of the same seeded data.
    baselineTarget = path.join(dir, "pglite-baseline");
    appEnv = { SCRYON_DATA_DIR: dir };
    cleanup = async () => fs.rmSync(dir, { recursive: true, force: true });
  }
  const { userId, callIds } = await seed(target);
  if (kind === "pglite") fs.cpSync(target, baselineTarget, { recursive: true });

  const routes = [
    { label: "GET /api/calls/:id", paths: callIds.map((id) => `/api/calls/${id}`) },
    { label: "GET /api/calls", paths: ["/api/calls"] },
    { label: "GET /api/action-items", paths: ["/api/action-items"] },
  ];
  const app = await startApp({
    port: APP_PORT,
    databaseUrl: kind === "postgres" ? target : undefined,
    distDir: DIST_DIR,
    quiet: false,
    env: appEnv,
    nodeArgs: CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(CPU_PROF, kind)}`] : [],
  });
  try {
    const cookie = await signIn(app.base);
    console.log(`\n${kind} (seeded ${callIds.length} calls, ${callIds.length * 5} action items; load ${load()})`);
    const baseline = await startBaseline(baselineTarget, userId);
    try {
      // Next's own floor: the same route without a session answers 401 from apiRoute before any query.
      await drive({ base: app.base, paths: routes[0]!.paths, seconds: 1, expectStatus: 401 });
      printRow("GET /api/calls/:id, no session (401)", await drive({ base: app.base, paths: routes[0]!.paths, seconds: SECONDS, pid: app.pid(), expectStatus: 401 }));
      for (const route of routes) {
        // Warm both (JIT, Next's route compilation cache, the pool).
        await drive({ base: baseline.base, paths: route.paths, seconds: 1 });
        await drive({ base: app.base, paths: route.paths, cookie, seconds: 1 });
        const bare = await drive({ base: baseline.base, paths: route.paths, seconds: SECONDS, pid: baseline.pid });
        const served = await drive({ base: app.base, paths: route.paths, cookie, seconds: SECONDS, pid: app.pid() });
        printRow(`${route.label} (bare)`, bare);
        printRow(`${route.label} (app)`, served, bare);
      }
    } finally {
      await baseline.stop();
    }
    if (PROCESSING.includes(kind)) await readsUnderProcessing(app, cookie, callIds, kind);
  } finally {
    await app.stop();
    await cleanup();
  }
}

async function main() {
  console.log(
    `bench:api — ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, ${CONCURRENCY} clients, ${SECONDS} s per run; load ${load()}`,
  );
  console.log(
    "  columns: req/s, latency percentiles, non-200 answers, app ÷ bare baseline (req/s), CPU the serving process used per request\n" +
      "  (1000 ÷ CPU ms is what one free core would serve, database aside; on a crowded machine the CPU per request grows too)",
  );
  for (const kind of DATABASES) await benchDatabase(kind);
  console.log(`\nload average at the end: ${load()}`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
