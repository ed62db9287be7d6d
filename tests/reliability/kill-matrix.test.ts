import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { getArtifact } from "@/db/queries/artifacts";
import { getCall } from "@/db/queries/calls";
import { listCallEvents } from "@/db/queries/events";
import { upsertUserByExternalId } from "@/db/queries/users";
import { actionItems, callArtifacts } from "@/db/schema";
import { callQueuedEvent } from "@/inngest/events";
import { createProcessCallFunction } from "@/inngest/functions/process-call";
import { receiveMultipartUpload } from "@/lib/calls/multipart-upload";
import { createEmbeddedClient, createEmbeddedEngine, type EmbeddedEngine } from "@/lib/pipeline/engine";
import { createTestDatabase, type TestDatabase } from "../helpers/db";
import { makeAudio } from "../helpers/make-audio";
import type { HangPoint } from "./fixtures/fake-providers";
import { matrixDeps } from "./fixtures/pipeline-deps";

/**
 * kill -9 matrix (issue 14, the part that fits in Vitest): a second process runs the real process-call
 * function on the embedded engine and is killed with SIGKILL while a stage is stuck on a child process
 * (diarization, transcription, analysis, and analysis during a re-analysis). A fresh engine on the same
 * PostgreSQL database then finishes the call. Checked each time: the stage's child died with the server,
 * the call ends COMPLETED within seconds of the restart, one artifact per type, no duplicated action
 * item, every STARTED on the timeline closed (the interrupted one as FAILED INTERRUPTED), the recording
 * byte-identical. PostgreSQL only: PGlite is one process per data dir.
 */

vi.mock("@/inngest/client", () => ({ getInngest: () => ({ send: async () => ({ ids: [] }) }) }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const task of tasks) {
      let children = "";
      try {
        children = fs.readFileSync(`/proc/${p}/task/${task}/children`, "utf8");
      } catch {
        continue;
      }
      for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return out;
}
const comm = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return null;
  }
};
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

describe.runIf(Boolean(process.env.TEST_DATABASE_URL) && process.platform === "linux")("kill -9 matrix on postgres", () => {
  let t: TestDatabase;
  let root: string;
  let userId: string;
  let audio: Buffer;
  const engines: EmbeddedEngine[] = [];
  const processes: ChildProcess[] = [];

  beforeAll(async () => {
    t = await createTestDatabase("postgres");
    root = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-kill-matrix-"));
    userId = (await upsertUserByExternalId(t.db, { externalUserId: "kill-matrix" })).id;
    audio = fs.readFileSync(await makeAudio("wav", { durationSeconds: 2 }));
  });
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.stop();
    for (const child of processes.splice(0)) child.kill("SIGKILL");
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  async function upload() {
    const deps = matrixDeps(t.db, root, null);
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(audio)]), "Call.wav");
    const call = await receiveMultipartUpload(new Request("http://localhost/api/calls", { method: "POST", body: form }), userId, { ...deps, maxUploadBytes: 10 * 1024 * 1024 }, path.join(root, "uploads"));
    return { callId: call.id, userId };
  }

  /** Starts the second process, waits until it is stuck at `hang`, kills it with SIGKILL; checks its child died too. */
  async function crashAt(appId: string, hang: Exclude<HangPoint, null>, ref: { callId: string; userId: string }, attempt: string) {
    const script = path.join(import.meta.dirname, "fixtures", "pipeline-crash-engine.ts");
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", script, t.url!, appId, root, hang, ref.callId, ref.userId, attempt], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      stdio: ["ignore", "pipe", "inherit"],
    });
    processes.push(child);
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`never reached ${hang}: ${output}`)), 90_000);
      child.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(`HANGING ${hang}`)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", (code) => reject(new Error(`the engine process exited (${code}) before ${hang}: ${output}`)));
    });
    let sleeper: number | undefined;
    for (let i = 0; i < 100 && !sleeper; i++) {
      sleeper = descendants(child.pid!).find((pid) => comm(pid) === "sleep");
      if (!sleeper) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(sleeper, `the ${hang} child process`).toBeDefined();
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGKILL");
    await exited;
    for (let i = 0; i < 40 && alive(sleeper!); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive(sleeper!), `the ${hang} child outlived the server`).toBe(false);
  }

  /** A restarted server: a fresh engine with working providers, on the same database and app id. */
  async function restart(appId: string) {
    const client = createEmbeddedClient({ id: appId });
    const fn = createProcessCallFunction(client, async () => matrixDeps(t.db, root, null));
    const engine = createEmbeddedEngine({ db: t.db, client, functions: [fn], pollIntervalMs: 50, backoff: () => 1000 });
    engines.push(engine);
    const started = Date.now();
    await engine.start();
    return { engine, started };
  }

  async function waitForStatus(ref: { callId: string; userId: string }, status: string, since: number) {
    while (Date.now() - since < 30_000) {
      const call = await getCall(t.db, ref);
      if (call?.status === status) return Date.now() - since;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the call did not reach ${status}: ${(await getCall(t.db, ref))?.status}`);
  }

  async function expectIntact(ref: { callId: string; userId: string }, interrupted: string) {
    const artifacts = await t.db.select().from(callArtifacts).where(eq(callArtifacts.callId, ref.callId));
    const types = artifacts.map((artifact) => artifact.artifactType).sort();
    expect(types).toEqual([...new Set(types)]); // one per type
    expect(types).toEqual(["ANALYSIS_JSON", "DIARIZATION_JSON", "NORMALIZED_TRANSCRIPT_JSON", "RAW_TRANSCRIPT_JSON", "TEMP_AUDIO"]);
    const items = await t.db.select().from(actionItems).where(eq(actionItems.callRecordId, ref.callId));
    expect(items.map((item) => item.title).sort()).toEqual(["Follow up on hello", "Follow up on there"]);
    const events = await listCallEvents(t.db, ref);
    const open = new Map<string, number>();
    for (const event of events) {
      if (event.status === "STARTED") open.set(event.stage, (open.get(event.stage) ?? 0) + 1);
      else if (open.get(event.stage)) open.set(event.stage, open.get(event.stage)! - 1);
    }
    expect([...open.entries()].filter(([, n]) => n > 0), "STARTED events left open").toEqual([]);
    expect(events.some((event) => event.stage === interrupted && event.status === "FAILED" && event.errorCode === "INTERRUPTED")).toBe(true);
    const stored = await getArtifact(t.db, { ...ref, type: "TEMP_AUDIO" });
    const object = await matrixDeps(t.db, root, null).storage.get(stored!.storageKey);
    const bytes = Buffer.from(await new Response(object!.body).arrayBuffer());
    expect(sha256(bytes)).toBe(sha256(audio));
    expect(stored!.byteSize).toBe(audio.byteLength);
  }

  const figures: string[] = [];
  afterAll(() => {
    if (figures.length) console.info(`[kill-matrix] resumed to COMPLETED after restart: ${figures.join(", ")}`);
  });

  for (const hang of ["DIARIZATION", "TRANSCRIPTION", "ANALYSIS"] as const) {
    it(`killed during ${hang}: resumes and completes, nothing duplicated or lost`, async () => {
      const ref = await upload();
      const appId = `matrix-${randomUUID().slice(0, 8)}`;
      await crashAt(appId, hang, ref, "upload");
      const { started } = await restart(appId);
      const ms = await waitForStatus(ref, "COMPLETED", started);
      figures.push(`${hang} ${ms} ms`);
      expect(ms).toBeLessThan(15_000);
      await expectIntact(ref, hang);
    }, 120_000);
  }

  it("killed during a re-analysis: resumes, keeps the user's edits, no duplicated item", async () => {
    const ref = await upload();
    const appId = `matrix-${randomUUID().slice(0, 8)}`;
    const { engine, started } = await restart(appId);
    await engine.send(callQueuedEvent(ref, "upload"));
    await waitForStatus(ref, "COMPLETED", started);
    await engine.stop();
    engines.splice(engines.indexOf(engine), 1);
    const [first] = await t.db.select().from(actionItems).where(eq(actionItems.callRecordId, ref.callId));
    await t.db.update(actionItems).set({ userModifiedAt: new Date(), description: "edited by the user" }).where(eq(actionItems.id, first!.id));

    const { reanalyzeCall } = await import("@/lib/pipeline/enqueue");
    const queued = await reanalyzeCall({ db: t.db, storage: matrixDeps(t.db, root, null).storage }, ref);
    await crashAt(appId, "ANALYSIS", ref, `reanalyze-${queued.updatedAt.getTime()}`);
    const again = await restart(appId);
    const ms = await waitForStatus(ref, "COMPLETED", again.started);
    figures.push(`re-analysis ${ms} ms`);
    expect(ms).toBeLessThan(15_000);
    await expectIntact(ref, "ANALYSIS");
    const [kept] = await t.db.select().from(actionItems).where(eq(actionItems.id, first!.id));
    expect(kept?.description).toBe("edited by the user");
  }, 180_000);
});
