import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { assetPath, generateModelArchive, startModelHost } from "./model-host";

/**
 * A real restart of the built server in the middle of a model download (not part of the test suite: it needs
 * a build and two free ports). Run, after `npm run build` and `cp -r .next .next-restart-check`:
 *
 *   npx tsx tests/speech-setup/restart-check.mts
 *
 * It serves a generated model from a local host that holds the response after a third, signs in as the
 * local-dev user (a single-user install: an administrator), starts the download, kills the server with
 * SIGKILL, starts it again, and prints what the boot did: the host's second request must be
 * `Range: bytes=<partial size>-` answered 206, and the model installed.
 */

const PORT = 3290, HOSTPORT = 3291;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-restart-check-"));
const manifest = path.join(dataDir, "test-models.json");
const base = `http://127.0.0.1:${PORT}`;
let cookie = "";

function startServer(): ChildProcess {
  const child = spawn("npx", ["next", "start", "-p", String(PORT), "-H", "127.0.0.1"], {
    cwd: process.cwd(),
    env: { ...process.env, NODE_ENV: "production", SCRYON_NEXT_DIST_DIR: ".next-restart-check", SCRYON_DATA_DIR: dataDir, AUTH_SECRET: "restart-check-secret-0123456789abcdefghij", SCRYON_ALLOW_LOCAL_DEV_IN_PRODUCTION: "true", SCRYON_MODELS_BASE_URL: `http://127.0.0.1:${HOSTPORT}`, SCRYON_MODELS_TEST_MANIFEST: manifest, NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout!.on("data", (d) => process.stdout.write(`[server] ${d}`));
  child.stderr!.on("data", (d) => process.stdout.write(`[server!] ${d}`));
  return child;
}
async function waitUp() {
  for (;;) {
    try { if ((await fetch(`${base}/sign-in`)).ok) return; } catch {}
    await new Promise((r) => setTimeout(r, 300));
  }
}
const api = (p: string, init: RequestInit = {}) => fetch(`${base}${p}`, { ...init, headers: { cookie, ...(init.headers ?? {}) }, redirect: "manual" });

const { archive, spec } = await generateModelArchive("restart-test-model", { bytes: 4 * 1024 * 1024 });
fs.writeFileSync(manifest, JSON.stringify({ models: [spec] }));
const third = Math.floor(archive.length / 3);
const host = await startModelHost({ port: HOSTPORT, assets: { [assetPath(spec)]: { body: archive, holdAfter: third } } });

let server = startServer();
await waitUp();
// local-dev sign-in (no Firebase: a single-user install, so local-dev is an administrator)
const csrfRes = await fetch(`${base}/api/auth/csrf`);
const csrfCookie = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
const signIn = await fetch(`${base}/api/auth/callback/local-dev`, { method: "POST", redirect: "manual", headers: { cookie: csrfCookie, "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ csrfToken, callbackUrl: "/calls" }) });
cookie = [csrfCookie, ...signIn.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ");
console.log("sign-in", signIn.status, "GET admin", (await api("/api/admin/speech")).status);
const start = await api(`/api/admin/speech/models/${spec.id}/download`, { method: "POST" });
console.log("POST download", start.status);
await host.held(assetPath(spec));
await new Promise((r) => setTimeout(r, 1500));
const state = JSON.parse(fs.readFileSync(path.join(dataDir, "models", ".downloads", `${spec.id}.json`), "utf8"));
const part = fs.statSync(path.join(dataDir, "models", ".downloads", `${spec.id}.part`)).size;
console.log("before kill: state", state.status, "received", state.received, "part bytes", part, "of", archive.length);
process.kill(-server.pid!, "SIGKILL");
await new Promise((r) => setTimeout(r, 1000));
host.assets.set(assetPath(spec), { body: archive }); // the host serves normally now
server = startServer();
await waitUp();
for (let i = 0; i < 100; i++) {
  const body = (await (await api("/api/admin/speech")).json()) as { speech: { models: { id: string; state: string }[] } };
  const m = body.speech.models.find((x) => x.id === spec.id)!;
  if (m.state === "installed" || m.state === "failed") { console.log("after restart: state", m.state); break; }
  await new Promise((r) => setTimeout(r, 200));
}
console.log("host requests", JSON.stringify(host.requests.map((r) => ({ range: r.range, ifRange: r.ifRange, status: r.status, bytesSent: r.bytesSent }))));
process.kill(-server.pid!, "SIGTERM");
await host.close();
fs.rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
