import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCall, transitionCallStatus } from "@/db/queries/calls";
import { listCallEvents } from "@/db/queries/events";
import { upsertUserByExternalId } from "@/db/queries/users";
import { pipelineJobs } from "@/db/schema";
import { createEmbeddedClient, createEmbeddedEngine, type EmbeddedEngine } from "@/lib/pipeline/engine";
import { isDeadLocalOwner } from "@/lib/pipeline/engine/engine";
import { CHILD_NICENESS, dieWithParent } from "@/lib/process/die-with-parent";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { CRASH_EVENT, createCrashFunction } from "./fixtures/crash-function";

/**
 * Recovery after kill -9 (issue 14): the engine takes over leases held by a dead process of this host at
 * start (not after the lease lapses), the interrupted attempt is closed on the timeline, and the child
 * process a step was running dies with the server.
 */

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Every descendant pid of `pid` (through /proc). */
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

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

describe("dieWithParent", () => {
  it.runIf(process.platform === "linux" && fs.existsSync("/usr/bin/setpriv") && fs.existsSync("/usr/bin/nice"))(
    "wraps a found program in nice and setpriv --pdeathsig and leaves a missing one alone",
    () => {
      const [command, args] = dieWithParent("sleep", ["1"], {} as NodeJS.ProcessEnv);
      expect(command).toBe("/usr/bin/nice");
      expect(args.slice(0, 6)).toEqual(["-n", String(CHILD_NICENESS), "/usr/bin/setpriv", "--pdeathsig", "KILL", "--"]);
      expect(args[6]).toMatch(/\/sleep$/);
      expect(args.slice(7)).toEqual(["1"]);
      expect(dieWithParent("no-such-program-here", ["x"], {} as NodeJS.ProcessEnv)).toEqual(["no-such-program-here", ["x"]]);
    },
  );

  it.runIf(process.platform === "linux" && fs.existsSync("/usr/bin/nice"))("the child is the program itself, at the processing niceness", async () => {
    const [command, args] = dieWithParent("sleep", ["30"], {} as NodeJS.ProcessEnv);
    const child = spawn(command, args, { stdio: "ignore", env: {} as NodeJS.ProcessEnv });
    try {
      // Wait until the exec chain (nice → setpriv → sleep) has reached the program.
      await expect.poll(() => comm(child.pid!), { timeout: 10_000 }).toBe("sleep");
      const niceness = Number(fs.readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);
      expect(niceness).toBe(Math.min(19, os.getPriority() + CHILD_NICENESS));
    } finally {
      child.kill("SIGKILL");
    }
  });
});

describe.each(databaseKinds())("recovery after a crash on %s", (kind) => {
  let t: TestDatabase;
  let userId: string;
  const engines: EmbeddedEngine[] = [];
  const processes: ChildProcess[] = [];

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    userId = (await upsertUserByExternalId(t.db, { externalUserId: `recovery-${kind}` })).id;
  });
  afterEach(async () => {
    for (const engine of engines.splice(0)) await engine.stop();
    for (const child of processes.splice(0)) child.kill("SIGKILL");
  });
  afterAll(async () => {
    await t?.close();
  });

  async function processingCall() {
    const call = await createCall(t.db, userId, { title: "Crash test" });
    await transitionCallStatus(t.db, { callId: call.id, from: "UPLOADING", to: "QUEUED" });
    await transitionCallStatus(t.db, { callId: call.id, from: "QUEUED", to: "PROCESSING" });
    return { callId: call.id, userId };
  }

  it("tells dead owners of this host from live and foreign ones", async () => {
    const host = os.hostname();
    expect(isDeadLocalOwner(`app:${host}:${await deadPid()}:${randomUUID()}`)).toBe(true);
    expect(isDeadLocalOwner(`app:${host}:${process.pid}:${randomUUID()}`)).toBe(true); // an earlier life of this pid
    expect(isDeadLocalOwner(`app:${host}:${process.ppid}:${randomUUID()}`)).toBe(false); // alive
    expect(isDeadLocalOwner(`app:another-host:${await deadPid()}:${randomUUID()}`)).toBe(false);
    expect(isDeadLocalOwner("dead-engine")).toBe(false); // unknown format: waits for the lease
  });

  it("takes over a dead local process's leases at start, and closes its interrupted attempt on the timeline", async () => {
    const ref = await processingCall();
    const client = createEmbeddedClient({ id: `recovery-${randomUUID().slice(0, 8)}` });
    let longRuns = 0;
    const fn = createCrashFunction(client, t.db, async () => String(++longRuns));
    // Store the event without running it, as the dead process did; it had started TRANSCRIPTION.
    const first = createEmbeddedEngine({ db: t.db, client, functions: [fn], pollIntervalMs: 50 });
    await first.send({ name: CRASH_EVENT, data: ref });
    await first.stop();
    const owner = `${client.id}:${os.hostname()}:${await deadPid()}:${randomUUID()}`;
    await t.db.update(pipelineJobs).set({ lockedUntil: new Date(Date.now() + 60 * 60_000), lockedBy: owner });
    const { insertProcessingEvent } = await import("@/db/queries/events");
    await insertProcessingEvent(t.db, { ...ref, stage: "TRANSCRIPTION", status: "STARTED", provider: "test" });

    const started = Date.now();
    const engine = createEmbeddedEngine({ db: t.db, client, functions: [fn], pollIntervalMs: 50 });
    engines.push(engine);
    await engine.start();
    await engine.waitForIdle({ timeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(10_000); // the lease said one hour
    expect((await engine.listRuns())[0]?.status).toBe("COMPLETED");
    expect(longRuns).toBe(1);
    const transcription = (await listCallEvents(t.db, ref)).filter((event) => event.stage === "TRANSCRIPTION");
    expect(transcription.map((event) => [event.status, event.errorCode])).toEqual([
      ["STARTED", null],
      ["FAILED", "INTERRUPTED"],
      ["STARTED", null],
      ["COMPLETED", null],
    ]);
  });

  it("leaves a live engine's leases alone", async () => {
    const client = createEmbeddedClient({ id: `recovery-${randomUUID().slice(0, 8)}` });
    let longRuns = 0;
    const fn = createCrashFunction(client, t.db, async () => String(++longRuns));
    const first = createEmbeddedEngine({ db: t.db, client, functions: [fn], pollIntervalMs: 50 });
    await first.send({ name: CRASH_EVENT, data: await processingCall() });
    await first.stop();
    // Our parent process is alive: its lease is respected until it lapses.
    await t.db.update(pipelineJobs).set({ lockedUntil: new Date(Date.now() + 60 * 60_000), lockedBy: `${client.id}:${os.hostname()}:${process.ppid}:x` });
    const engine = createEmbeddedEngine({ db: t.db, client, functions: [fn], pollIntervalMs: 50 });
    engines.push(engine);
    await engine.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(longRuns).toBe(0);
    expect((await engine.listJobs()).every((job) => job.lockedUntil !== null)).toBe(true);
    await t.db.delete(pipelineJobs);
  });

  // A real kill -9 needs a second process on the same database: PostgreSQL only (PGlite is one process per data dir).
  it.runIf(kind === "postgres" && process.platform === "linux")(
    "kill -9 of a server mid-step: its child process dies with it, and a restarted engine resumes within seconds",
    async () => {
      const ref = await processingCall();
      const appId = `recovery-${randomUUID().slice(0, 8)}`;
      const script = path.join(import.meta.dirname, "fixtures", "crash-engine.ts");
      const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", script, t.url!, appId, ref.callId, ref.userId], {
        cwd: path.resolve(import.meta.dirname, "../.."),
        stdio: ["ignore", "pipe", "inherit"],
      });
      processes.push(child);
      let output = "";
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the engine process did not reach the long step: ${output}`)), 60_000);
        child.stdout!.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("LONG_STEP_STARTED")) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on("exit", (code) => reject(new Error(`the engine process exited early (${code}): ${output}`)));
      });
      let sleeper: number | undefined;
      for (let i = 0; i < 100 && !sleeper; i++) {
        sleeper = descendants(child.pid!).find((pid) => comm(pid) === "sleep");
        if (!sleeper) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(sleeper, "the step's child process").toBeDefined();

      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGKILL");
      await exited;
      for (let i = 0; i < 40 && alive(sleeper!); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(alive(sleeper!), "the child outlived the server").toBe(false);

      const client = createEmbeddedClient({ id: appId });
      const fn = createCrashFunction(client, t.db, async () => "resumed");
      const restarted = Date.now();
      const engine = createEmbeddedEngine({ db: t.db, client, functions: [fn], pollIntervalMs: 50 });
      engines.push(engine);
      await engine.start();
      await engine.waitForIdle({ timeoutMs: 30_000 });
      expect(Date.now() - restarted).toBeLessThan(10_000); // the default lease is 60 s
      const [run] = await engine.listRuns();
      expect(run?.status).toBe("COMPLETED");
      expect(run?.output).toBe("resumed");
      const events = (await listCallEvents(t.db, ref)).map((event) => `${event.stage}:${event.status}${event.errorCode ? `:${event.errorCode}` : ""}`);
      expect(events).toEqual([
        "AUDIO_PREP:STARTED",
        "AUDIO_PREP:COMPLETED",
        "TRANSCRIPTION:STARTED",
        "TRANSCRIPTION:FAILED:INTERRUPTED",
        "TRANSCRIPTION:STARTED",
        "TRANSCRIPTION:COMPLETED",
      ]);
    },
    90_000,
  );
});
