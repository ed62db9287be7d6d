import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import postgres from "postgres";
import { startApp, type AppServer } from "../../bench/support/app";
import { createThrowawayCluster, freePort } from "../../tests/helpers/pg-cluster";

export { freePort };

/**
 * Helpers for e2e/faults.spec.ts: `next start` lives that share one data dir and one database and end with
 * kill -9, fault points armed through SCRYON_FAULT_HOLD (lib/pipeline/fault-hooks.ts), uploads cut off
 * mid-body, the timeline and artifacts read straight from the database, a throwaway PostgreSQL cluster.
 */

export const sha256 = (bytes: Buffer | Uint8Array) => createHash("sha256").update(bytes).digest("hex");
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined/false/null; fails with `what` after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await sleep(everyMs);
  }
}

/** Short real speech (espeak-ng, as e2e/pipeline.spec.ts), so every stage runs the real local engine. */
export function spokenWav(dir: string, name: string, text: string): Buffer {
  const file = path.join(dir, name);
  execFileSync("espeak-ng", ["-v", "en-us", "-s", "165", "-w", file, text]);
  return fs.readFileSync(file);
}

/** A real LibriSpeech reader (tests/fixtures/speech), FLAC. */
export function librispeechClip(name = "1235-135883-0000.flac"): Buffer {
  return fs.readFileSync(path.resolve("tests/fixtures/speech/librispeech/audio", name));
}

/** One `next start` after another on the same data dir, database and port; each ends with kill -9. */
export class ServerLives {
  readonly holdDir: string;
  server: AppServer | null = null;
  lives = 0;

  constructor(
    readonly options: { port: number; dataDir: string; databaseUrl: string; env?: Record<string, string> },
  ) {
    this.holdDir = path.join(options.dataDir, "fault-holds");
    fs.mkdirSync(this.holdDir, { recursive: true });
  }

  get base() {
    return `http://127.0.0.1:${this.options.port}`;
  }

  /** Starts the next life; returns the time the process was spawned (what "resumed within" is measured from). */
  async start(): Promise<number> {
    const spawnedAt = Date.now();
    this.server = await startApp({
      port: this.options.port,
      databaseUrl: this.options.databaseUrl,
      quiet: !process.env.FAULTS_VERBOSE,
      env: { SCRYON_DATA_DIR: this.options.dataDir, SCRYON_FAULT_HOLD: this.holdDir, ...this.options.env },
    });
    this.lives++;
    return spawnedAt;
  }

  /** kill -9 of the whole server (its process group), then waits until it is gone. */
  async kill(): Promise<void> {
    const server = this.server!;
    const exited = new Promise<void>((resolve) => (server.child.exitCode !== null ? resolve() : server.child.once("exit", () => resolve())));
    process.kill(-server.child.pid!, "SIGKILL");
    await exited;
    await until("the killed server's port to close", async () => !(await reachable(this.base)), 10_000, 50);
    fs.rmSync(server.dataDir, { recursive: true, force: true }); // startApp's own (unused) temp dir
    this.server = null;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    try {
      process.kill(-this.server.child.pid!, "SIGKILL");
    } catch {
      // gone
    }
    fs.rmSync(this.server.dataDir, { recursive: true, force: true });
    this.server = null;
  }

  /** Arms `<STAGE>.<point>`: the first stage attempt that reaches it holds there. */
  arm(stage: string, point: "before" | "during" | "after" = "during"): void {
    fs.writeFileSync(path.join(this.holdDir, `${stage}.${point}`), "");
  }

  /** Waits until a call claimed `<STAGE>.<point>`; returns its id. */
  async held(stage: string, point: "before" | "during" | "after" = "during", timeoutMs = 90_000): Promise<string> {
    const prefix = `${stage}.${point}.`;
    return until(`a call held at ${stage}:${point}`, () => {
      const name = fs.readdirSync(this.holdDir).find((entry) => entry.startsWith(prefix) && entry.endsWith(".held"));
      return name?.slice(prefix.length, -".held".length);
    }, timeoutMs);
  }

  /** Lets every held call go on (and forgets the markers of the killed life). */
  releaseAll(): void {
    for (const name of fs.readdirSync(this.holdDir)) fs.rmSync(path.join(this.holdDir, name), { force: true });
  }
}

async function reachable(base: string): Promise<boolean> {
  try {
    await fetch(`${base}/sign-in`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * A request whose body is sent in two parts: `first` now, the rest when `finish()` is called (or never, when
 * the server is killed in between). Resolves `response` with status, headers and body text.
 */
export function partialRequest(url: string, options: { method: string; headers: Record<string, string>; first: Buffer; rest: Buffer }) {
  const target = new URL(url);
  let resolveResponse!: (value: { status: number; headers: http.IncomingHttpHeaders; body: string } | { error: Error }) => void;
  const response = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string } | { error: Error }>((resolve) => (resolveResponse = resolve));
  const request = http.request(
    { host: target.hostname, port: target.port, path: target.pathname + target.search, method: options.method, headers: { ...options.headers, "content-length": String(options.first.length + options.rest.length) } },
    (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolveResponse({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", (error) => resolveResponse({ error }));
    },
  );
  request.on("error", (error) => resolveResponse({ error }));
  request.write(options.first);
  return {
    response,
    finish() {
      request.end(options.rest);
      return response;
    },
  };
}

/** The multipart body of one `file` field, split after `splitAt` bytes of the file. */
export function multipartParts(filename: string, contentType: string, bytes: Buffer, splitAt: number) {
  const boundary = `----scryon-faults-${Date.now()}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    first: Buffer.concat([head, bytes.subarray(0, splitAt)]),
    rest: Buffer.concat([bytes.subarray(splitAt), tail]),
  };
}

export interface TimelineEvent {
  stage: string;
  status: string;
  error_code: string | null;
  created_at: Date;
}

/** Straight from the database: what the app wrote, independent of the API. */
export class Inspector {
  readonly sql: postgres.Sql;
  constructor(url: string) {
    this.sql = postgres(url, { max: 2, onnotice: () => {} });
  }

  async call(id: string) {
    const [row] = await this.sql<{ id: string; status: string; error_reason: string | null; title: string }[]>`select id, status, error_reason, title from call_records where id = ${id}`;
    return row ?? null;
  }

  async events(callId: string): Promise<TimelineEvent[]> {
    return this.sql<TimelineEvent[]>`select stage, status, error_code, created_at from call_processing_events where call_id = ${callId} order by created_at, id`;
  }

  /** The first timeline event of the call written after `since` (ms since the epoch), if any. */
  async firstEventAfter(callId: string, since: number): Promise<Date | null> {
    const [row] = await this.sql<{ at: Date | null }[]>`select min(created_at) as at from call_processing_events where call_id = ${callId} and created_at > ${new Date(since)}`;
    return row?.at ?? null;
  }

  async artifactTypes(callId: string): Promise<string[]> {
    const rows = await this.sql<{ artifact_type: string }[]>`select artifact_type from call_artifacts where call_id = ${callId} order by artifact_type`;
    return rows.map((row) => row.artifact_type);
  }

  async actionItems(callId: string) {
    return this.sql<{ id: string; title: string; source_text: string | null; due_date: string | null }[]>`select id, title, source_text, due_date from action_items where call_record_id = ${callId} order by title, id`;
  }

  async uploadingCalls() {
    return this.sql<{ id: string }[]>`select id from call_records where status = 'UPLOADING'`;
  }

  close() {
    return this.sql.end();
  }
}

/**
 * The timeline's rules, per stage: an attempt STARTs only when none is open, COMPLETED/FAILED close an open
 * one, SKIPPED never interrupts one, nothing is left open, and no stage completes more often than `runs`
 * (pipeline runs of the call). Returns the problems found (empty = well-formed).
 */
export function timelineProblems(events: TimelineEvent[], runs: Record<string, number> = {}): string[] {
  const problems: string[] = [];
  const open = new Map<string, boolean>();
  const completed = new Map<string, number>();
  for (const event of events) {
    const isOpen = open.get(event.stage) ?? false;
    if (event.status === "STARTED") {
      if (isOpen) problems.push(`${event.stage}: STARTED while an attempt was open`);
      open.set(event.stage, true);
    } else if (event.status === "COMPLETED" || event.status === "FAILED") {
      if (!isOpen) problems.push(`${event.stage}: ${event.status} without a STARTED`);
      open.set(event.stage, false);
      if (event.status === "COMPLETED") completed.set(event.stage, (completed.get(event.stage) ?? 0) + 1);
    } else if (event.status === "SKIPPED" && isOpen) {
      problems.push(`${event.stage}: SKIPPED while an attempt was open`);
    }
  }
  for (const [stage, isOpen] of open) if (isOpen) problems.push(`${stage}: a STARTED left open`);
  for (const [stage, count] of completed) if (count > (runs[stage] ?? 1)) problems.push(`${stage}: COMPLETED ${count} times`);
  return problems;
}

// ---- A throwaway PostgreSQL cluster: tests/helpers/pg-cluster.ts ----

export { pgClusterAvailable } from "../../tests/helpers/pg-cluster";
export const createCluster = () => createThrowawayCluster("scryon-faults-pg-");
