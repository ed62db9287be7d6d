/**
 * API tokens' cost per request (issue 16), against `next start` (`npm run build` first):
 * `GET /api/calls/:id` with the session cookie, with a read API token, with an unknown well-formed token
 * (401 after its one lookup) and with no credentials (401: Next's floor), in interleaved rounds of
 * BENCH_SECONDS (default 8) at BENCH_CONCURRENCY (10) closed-loop clients, on BENCH_DATABASES
 * ("postgres,pglite"). Beside it, in-process: what apiRoute's request context and requireUser's header check
 * add to a request that has no token (the cookie path), against the bare call.
 *
 *   npm run build && npx tsx bench/tokens.ts        (BENCH_NEXT_DIST_DIR: a `.next` copy to serve)
 */
import fs from "node:fs";
import http from "node:http";
import { makeAudio } from "../tests/helpers/make-audio";
import { createPostgresDatabase, percentile, signIn, startApp } from "./support/app";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const DATABASES = (process.env.BENCH_DATABASES ?? "postgres,pglite").split(",").filter(Boolean) as ("postgres" | "pglite")[];
const PORT = Number(process.env.BENCH_APP_PORT ?? 3430);

interface Result {
  rps: number;
  p50: number;
  p95: number;
  requests: number;
  errors: number;
}

function get(agent: http.Agent, base: URL, pathname: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: base.hostname, port: base.port, path: pathname, agent, headers }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end();
  });
}

async function drive(base: string, pathname: string, headers: Record<string, string>, expect: number): Promise<Result> {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now();
        try {
          if ((await get(agent, url, pathname, headers)) !== expect) errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  agent.destroy();
  return { rps: latencies.length / ((performance.now() - started) / 1000), p50: percentile(latencies, 50), p95: percentile(latencies, 95), requests: latencies.length, errors };
}

const fmt = (r: Result) => `${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p95 ${r.p95.toFixed(1).padStart(6)} ms  (${r.requests} requests, ${r.errors} unexpected)`;

async function benchDatabase(kind: "postgres" | "pglite") {
  const database = kind === "postgres" ? await createPostgresDatabase() : null;
  const app = await startApp({ port: PORT, databaseUrl: database?.url, quiet: true, distDir: process.env.BENCH_NEXT_DIST_DIR });
  try {
    const cookie = await signIn(app.base);
    const form = new FormData();
    form.append("title", "Token bench");
    form.append("file", new Blob([new Uint8Array(fs.readFileSync(await makeAudio("wav")))]), "bench.wav");
    const uploaded = await fetch(`${app.base}/api/calls`, { method: "POST", body: form, headers: { cookie } });
    if (uploaded.status !== 201) throw new Error(`upload answered ${uploaded.status}`);
    const { call } = (await uploaded.json()) as { call: { id: string } };
    const created = await fetch(`${app.base}/api/tokens`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ name: "bench", scope: "read" }) });
    if (created.status !== 201) throw new Error(`token answered ${created.status}`);
    const { token } = (await created.json()) as { token: string };
    const pathname = `/api/calls/${call.id}`;
    const variants: [string, Record<string, string>, number][] = [
      ["session cookie", { cookie }, 200],
      ["read API token", { authorization: `Bearer ${token}` }, 200],
      ["unknown token (401)", { authorization: `Bearer scy_${"x".repeat(43)}` }, 401],
      ["no credentials (401)", {}, 401],
    ];
    // Warm-up: compile and cache both paths.
    for (const [, headers, status] of variants) await drive(app.base, pathname, headers, status).catch(() => undefined);
    const results = new Map<string, Result[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, headers, status] of variants) {
        const result = await drive(app.base, pathname, headers, status);
        results.set(name, [...(results.get(name) ?? []), result]);
      }
    }
    console.log(`\n${kind}: GET /api/calls/:id, ${CONCURRENCY} clients, ${ROUNDS} interleaved rounds of ${SECONDS} s (best round shown)`);
    const best = (name: string) => results.get(name)!.reduce((a, b) => (b.rps > a.rps ? b : a));
    for (const [name] of variants) console.log(`  ${name.padEnd(22)} ${fmt(best(name))}`);
    console.log(`  token / cookie req/s: ${(best("read API token").rps / best("session cookie").rps).toFixed(2)}`);
  } finally {
    await app.stop();
    await database?.drop();
  }
}

/** In-process: the request context plus the Authorization check a cookie request now goes through, per request. */
async function contextOverhead() {
  const { runWithApiRequest, currentApiRequest } = await import("../lib/auth/request-context");
  const { parseAuthorization } = await import("../lib/auth/api-tokens");
  const request = new Request("http://localhost/api/calls/x", { headers: { cookie: "authjs.session-token=abc" } });
  const work = async () => 1;
  const N = 200_000;
  const time = async (run: () => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await run();
    return ((performance.now() - t0) * 1e6) / N; // ns per call
  };
  for (let i = 0; i < 3; i++) {
    const bare = await time(work);
    const withContext = await time(() =>
      runWithApiRequest(request, async () => {
        parseAuthorization(currentApiRequest()!.headers.get("authorization"));
        return work();
      }),
    );
    console.log(`  in-process, cookie path: bare ${bare.toFixed(0)} ns, with request context + header check ${withContext.toFixed(0)} ns: +${(withContext - bare).toFixed(0)} ns per request (ratio ${(withContext / bare).toFixed(2)})`);
  }
}

console.log("API tokens: request cost");
await contextOverhead();
for (const kind of DATABASES) await benchDatabase(kind);
