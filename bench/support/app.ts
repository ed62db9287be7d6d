/**
 * Shared by the benchmarks that run against the built app (`npm run build` first): start `next start` on
 * its own port, data dir and database, sign in as the local-dev user, read the server's memory.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";

export interface AppServer {
  base: string;
  child: ChildProcess;
  dataDir: string;
  /** The Node process that serves requests (next start may fork one). */
  pid(): number;
  stop(): Promise<void>;
}

export interface StartAppOptions {
  port: number;
  /** Unset = embedded PGlite under the data dir. */
  databaseUrl?: string;
  /** Extra environment (e.g. SCRYON_MAX_UPLOAD_BYTES). */
  env?: Record<string, string>;
  /** Keep the server's stderr (default: inherit it). */
  quiet?: boolean;
  /** A `.next` copy to serve instead of `.next` (see SCRYON_NEXT_DIST_DIR in next.config.ts). */
  distDir?: string;
  /** Extra Node flags for the server process (e.g. --cpu-prof, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

export async function waitFor(url: string, timeoutMs = 120_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${url} did not come up`);
}

/** Peak resident memory (VmHWM) of a process in MB, 0 when it has exited. */
export function peakRssMb(pid: number): number {
  return statusKb(pid, "VmHWM") / 1024;
}

/** Current resident memory (VmRSS) of a process in MB, 0 when it has exited. */
export function rssMb(pid: number): number {
  return statusKb(pid, "VmRSS") / 1024;
}

function statusKb(pid: number, field: string): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** Starts the built app; resolves once /sign-in answers. */
export async function startApp(options: StartAppOptions): Promise<AppServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-bench-app-"));
  const base = `http://127.0.0.1:${options.port}`;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), path.resolve("node_modules/next/dist/bin/next"), "start", "-p", String(options.port), "-H", "127.0.0.1"], {
    detached: true, // its own process group, so the whole server (and its children) go at stop()
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      SCRYON_DATA_DIR: dataDir,
      AUTH_SECRET: "bench-secret-0123456789abcdefghijklmnop",
      SCRYON_ALLOW_LOCAL_DEV_IN_PRODUCTION: "true",
      SCRYON_LOCAL_DEV_SIGN_IN: "on",
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...(options.distDir ? { SCRYON_NEXT_DIST_DIR: options.distDir } : {}),
      ...options.env,
    },
    stdio: ["ignore", "ignore", options.quiet ? "ignore" : "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    await waitFor(`${base}/sign-in`);
  } catch (error) {
    process.kill(-child.pid!, "SIGKILL");
    throw error;
  }
  return {
    base,
    child,
    dataDir,
    pid() {
      const candidates = [child.pid!, ...descendants(child.pid!)];
      return candidates.reduce((best, pid) => (rssMb(pid) > rssMb(best) ? pid : best));
    },
    async stop() {
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in as the local-dev user; returns the session cookie ("name=value"). */
export async function signIn(base: string): Promise<string> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const cookies = csrf.headers.getSetCookie().map((cookie) => cookie.split(";")[0]);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const response = await fetch(`${base}/api/auth/callback/local-dev`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; ") },
    body: new URLSearchParams({ csrfToken, callbackUrl: "/calls" }),
    redirect: "manual",
  });
  const session = response.headers.getSetCookie().map((cookie) => cookie.split(";")[0]).find((cookie) => cookie?.includes("session-token"));
  if (!session) throw new Error("local-dev sign-in failed");
  return session;
}

/** A fresh PostgreSQL database next to BENCH_DATABASE_URL's (default: the local server); drop() removes it. */
export async function createPostgresDatabase(adminUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres") {
  const name = `scryon_bench_${randomUUID().replace(/-/g, "")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** Percentile (0..100) of a list of numbers, nearest-rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
