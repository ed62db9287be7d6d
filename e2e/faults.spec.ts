import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { createPostgresDatabase, signIn } from "../bench/support/app";
import {
  createCluster,
  freePort,
  Inspector,
  multipartParts,
  partialRequest,
  pgClusterAvailable,
  ServerLives,
  sha256,
  sleep,
  spokenWav,
  timelineProblems,
  until,
} from "./support/faults";

/**
 * Fault injection against the built app (`npm run build` first), issue 14. Its own `next start` on a free
 * port, on a fresh PostgreSQL database, one data dir kept across restarts:
 *
 * 1. kill -9 of the whole server at 10 points, several per server life: during a multipart upload, during a
 *    tus upload (resumed after the restart), in every pipeline stage (AUDIO_PREP, DIARIZATION,
 *    TRANSCRIPTION, NORMALIZATION, ANALYSIS, CLEANUP), between two stages (NORMALIZATION stored, ANALYSIS
 *    not begun) and during a re-analysis. Stages are stopped at an exact point with the SCRYON_FAULT_HOLD
 *    hook (lib/pipeline/fault-hooks.ts); uploads by sending half a body and waiting until the server has
 *    spooled it. After each restart: the held calls resume (a new timeline event) within 30 s of the
 *    spawn, the interrupted attempt is closed (FAILED INTERRUPTED), and at the end every call is COMPLETED
 *    with one artifact per type, a well-formed timeline, no duplicated action item, and the recording
 *    served byte-identical (SHA-256) to what was uploaded.
 * 2. PostgreSQL (a throwaway cluster on its own port) stopped with `-m immediate` under concurrent reads
 *    while an upload is half sent and a call is in a stage: every answer during the outage is 503 with the
 *    JSON error (never 500/HTML), the app recovers by itself, the call finishes, nothing accepted is lost.
 *
 * Figures (resume times) are printed with the `[faults]` prefix; docs/reliability.md publishes them.
 */

test.describe.configure({ mode: "serial" });

const STAGES_AFTER_UPLOAD = ["AUDIO_PREP", "DIARIZATION", "TRANSCRIPTION", "NORMALIZATION", "ANALYSIS", "CLEANUP"];
const ARTIFACTS = ["ANALYSIS_JSON", "DIARIZATION_JSON", "NORMALIZED_TRANSCRIPT_JSON", "RAW_TRANSCRIPT_JSON", "TEMP_AUDIO"];

interface Uploaded {
  id: string;
  sha: string;
  bytes: number;
}

test("kill -9 of next start at 10 points: every call resumes and completes, nothing duplicated or lost", async () => {
  test.setTimeout(240_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-faults-"));
  const database = await createPostgresDatabase();
  const db = new Inspector(database.url);
  const lives = new ServerLives({ port: await freePort(), dataDir: path.join(work, "data"), databaseUrl: database.url });
  const figures: string[] = [];
  /** Every call the test made, with the SHA-256 of the bytes it uploaded. */
  const calls = new Map<string, Uploaded>();
  /** Where each held call was when the server died (checked for FAILED INTERRUPTED when `during`). */
  const kills: { point: string; callId: string | null; life: number; interruptedStage?: string }[] = [];
  let cookie = "";
  const t0 = Date.now();
  const progress = (what: string) => console.info(`[faults] +${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`);

  const api = (pathname: string, init: RequestInit = {}) => fetch(`${lives.base}${pathname}`, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });
  const speech = (name: string, text: string) => spokenWav(work, name, text);

  async function upload(name: string, bytes: Buffer, type = "audio/wav"): Promise<string> {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(bytes)], { type }), name);
    const response = await api("/api/calls", { method: "POST", body: form });
    expect(response.status, await response.clone().text()).toBe(201);
    const { call } = (await response.json()) as { call: { id: string } };
    calls.set(call.id, { id: call.id, sha: sha256(bytes), bytes: bytes.length });
    return call.id;
  }

  async function status(id: string) {
    return (await db.call(id))?.status;
  }

  async function waitTerminal(id: string, timeoutMs = 90_000) {
    return until(`call ${id} to finish`, async () => {
      const s = await status(id);
      return s === "COMPLETED" || s === "FAILED" ? s : undefined;
    }, timeoutMs, 200);
  }

  /**
   * After a restart spawned at `spawnedAt` (up at `readyAt`): each call held in the last life writes a new
   * timeline event (the interrupted attempt closed, or the next attempt) within 30 s of the spawn.
   */
  async function resumed(ids: string[], spawnedAt: number, readyAt: number) {
    await Promise.all(
      ids.map(async (id) => {
        const at = await until(`call ${id} to resume`, () => db.firstEventAfter(id, spawnedAt), 30_000, 100);
        const point = kills.find((kill) => kill.callId === id && kill.life === lives.lives - 1)?.point ?? "?";
        const resumeMs = at.getTime() - spawnedAt;
        figures.push(`${point}: resumed ${resumeMs} ms after the spawn (boot ${readyAt - spawnedAt} ms)`);
        expect(resumeMs, `call held at ${point} resumed within 30 s of the restart`).toBeLessThan(30_000);
      }),
    );
  }

  /**
   * Waits until the armed points are claimed. process-call runs at most 2 steps at once, so with two calls
   * held nothing else of the pipeline is executing when the server is killed: the other calls wait in the
   * queue (and resume from there), none dies at a random point.
   */
  async function claimed(points: [string, "before" | "during" | "after"][]): Promise<string[]> {
    const ids: string[] = [];
    for (const [stage, point] of points) {
      const id = await lives.held(stage, point);
      ids.push(id);
      kills.push({ point: `${stage}:${point}`, callId: id, life: lives.lives, interruptedStage: point === "during" ? stage : undefined });
    }
    return ids;
  }

  /** The next life; markers and armed points are left as they are (callers release or arm first). */
  async function restart() {
    const spawnedAt = await lives.start();
    const readyAt = Date.now();
    progress(`life ${lives.lives} up (boot ${readyAt - spawnedAt} ms)`);
    return { spawnedAt, readyAt };
  }

  try {
    // ---- Life 1: a multipart upload and a tus upload cut off mid-body; calls held in AUDIO_PREP and DIARIZATION.
    await lives.start();
    cookie = await signIn(lives.base);
    lives.arm("AUDIO_PREP");
    lives.arm("DIARIZATION");
    await upload("Proposal.wav", speech("c1.wav", "Hello Sam. Can you send me the proposal by Friday? Thanks, talk soon."));
    await upload("Supplier.wav", speech("c2.wav", "Hi Maria, I will call the supplier tomorrow and confirm the delivery date."));
    const [prep, diarization] = (await claimed([["AUDIO_PREP", "during"], ["DIARIZATION", "during"]])) as [string, string];

    const multipartAudio = speech("multipart.wav", "This upload is cut off in the middle when the server dies.");
    const multipartSplit = Math.floor(multipartAudio.length / 2);
    const parts = multipartParts("Cut multipart.wav", "audio/wav", multipartAudio, multipartSplit);
    const cutMultipart = partialRequest(`${lives.base}/api/calls`, { method: "POST", headers: { cookie, "content-type": parts.contentType }, first: parts.first, rest: parts.rest });

    const tusAudio = speech("tus.wav", "This recording is sent with the resumable protocol, and it survives the crash.");
    const created = await api("/api/uploads", {
      method: "POST",
      headers: { "Tus-Resumable": "1.0.0", "Upload-Length": String(tusAudio.length), "Upload-Metadata": `filename ${Buffer.from("Resumed tus.wav").toString("base64")}` },
    });
    expect(created.status).toBe(201);
    const tusLocation = created.headers.get("location")!;
    const tusId = tusLocation.split("/").pop()!;
    const tusSplit = Math.floor(tusAudio.length / 2);
    const cutTus = partialRequest(`${lives.base}${new URL(tusLocation, lives.base).pathname}`, {
      method: "PATCH",
      headers: { cookie, "Tus-Resumable": "1.0.0", "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
      first: tusAudio.subarray(0, tusSplit),
      rest: tusAudio.subarray(tusSplit),
    });
    const spool = path.join(lives.options.dataDir, "uploads");
    // Both bodies are half in: the server has spooled what was sent (the multipart spool is `<id>*.part`).
    const multipartId = await until("the multipart spool to hold half the file", () => {
      const name = fs.readdirSync(spool).find((entry) => entry.endsWith(".part"));
      return name && fs.statSync(path.join(spool, name)).size >= multipartSplit - 65_536 ? name.slice(0, 36) : undefined;
    });
    await until("the tus file to hold half the file", () => fs.existsSync(path.join(spool, "tus", tusId)) && fs.statSync(path.join(spool, "tus", tusId)).size >= tusSplit);
    kills.push({ point: "multipart upload", callId: null, life: 1 }, { point: "tus upload", callId: null, life: 1 });
    progress("life 1: 4 points reached, kill -9");
    await lives.kill();
    expect("error" in (await cutMultipart.response), "the cut multipart request failed with the server").toBe(true);
    expect("error" in (await cutTus.response)).toBe(true);

    // ---- Life 2: the held calls resume; the tus upload resumes from the offset the server kept; the
    // multipart upload (not resumable) is sent again. TRANSCRIPTION and NORMALIZATION are armed before the
    // spawn: two of these four calls stop there.
    lives.releaseAll();
    lives.arm("TRANSCRIPTION");
    lives.arm("NORMALIZATION");
    let spawnedAt = await lives.start();
    let readyAt = Date.now();
    progress(`life 2 up (boot ${readyAt - spawnedAt} ms)`);
    const head = await api(`/api/uploads/${tusId}`, { method: "HEAD", headers: { "Tus-Resumable": "1.0.0" } });
    expect(head.status).toBe(200);
    const offset = Number(head.headers.get("upload-offset"));
    expect(offset, "the tus upload kept the bytes that arrived before the crash").toBeGreaterThan(0);
    expect(offset).toBeLessThan(tusAudio.length);
    const patch = await api(`/api/uploads/${tusId}`, {
      method: "PATCH",
      headers: { "Tus-Resumable": "1.0.0", "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
      body: new Uint8Array(tusAudio.subarray(offset)),
    });
    expect(patch.status, await patch.clone().text()).toBe(204);
    expect(patch.headers.get("x-scryon-call-id")).toBe(tusId);
    figures.push(`tus upload: resumed at byte ${offset} of ${tusAudio.length} after the restart`);
    calls.set(tusId, { id: tusId, sha: sha256(tusAudio), bytes: tusAudio.length });
    // The cut multipart upload is gone (row, spool, timeline), not left half-saved; sent again, it is a call.
    expect(await db.call(multipartId), "the cut multipart upload left no call row").toBeNull();
    expect(fs.readdirSync(spool).filter((entry) => entry.startsWith(multipartId))).toEqual([]);
    await upload("Cut multipart.wav", multipartAudio);
    await resumed([prep, diarization], spawnedAt, readyAt);
    const life2 = await claimed([["TRANSCRIPTION", "during"], ["NORMALIZATION", "during"]]);
    progress("life 2: 2 points reached, kill -9");
    await lives.kill();

    // ---- Life 3: ANALYSIS and CLEANUP armed before the spawn; the two calls held in life 2 stop there.
    lives.releaseAll();
    lives.arm("ANALYSIS");
    lives.arm("CLEANUP");
    ({ spawnedAt, readyAt } = await restart());
    await resumed(life2, spawnedAt, readyAt);
    const life3 = await claimed([["ANALYSIS", "during"], ["CLEANUP", "during"]]);
    progress("life 3: 2 points reached, kill -9");
    await lives.kill();

    // ---- Life 4: a new call held between NORMALIZATION (stored) and ANALYSIS (not begun); a re-analysis held in ANALYSIS.
    lives.releaseAll();
    ({ spawnedAt, readyAt } = await restart());
    await resumed(life3, spawnedAt, readyAt);
    for (const id of calls.keys()) await waitTerminal(id);
    progress("life 4: every call so far finished");
    const reanalysed = [...calls.keys()].find((id) => !life3.includes(id))!;
    lives.arm("ANALYSIS", "before");
    const between = await upload("Between stages.wav", speech("between.wav", "Let us schedule a follow up call with the client on Wednesday."));
    expect(await lives.held("ANALYSIS", "before")).toBe(between);
    kills.push({ point: "between NORMALIZATION and ANALYSIS", callId: between, life: lives.lives });
    const itemsBefore = await db.actionItems(reanalysed);
    lives.arm("ANALYSIS", "during");
    const reanalysis = await api(`/api/calls/${reanalysed}/reanalyze`, { method: "POST" });
    expect(reanalysis.status).toBe(202);
    expect(await lives.held("ANALYSIS", "during")).toBe(reanalysed);
    kills.push({ point: "ANALYSIS of a re-analysis", callId: reanalysed, life: lives.lives, interruptedStage: "ANALYSIS" });
    progress("life 4: 2 points reached, kill -9");
    await lives.kill();

    // ---- Life 5: everything finishes; then the whole record is checked.
    lives.releaseAll();
    ({ spawnedAt, readyAt } = await restart());
    await resumed([between, reanalysed], spawnedAt, readyAt);
    for (const id of calls.keys()) await waitTerminal(id);
    progress("life 5: every call finished");
    expect(kills.length, "kill points").toBeGreaterThanOrEqual(10);

    const betweenNormalization = (await db.events(between)).filter((event) => event.stage === "NORMALIZATION" && event.created_at.getTime() > spawnedAt);
    expect(betweenNormalization, "a stage stored before the kill is not run (or even skipped) again").toEqual([]);
    const itemsAfter = await db.actionItems(reanalysed);
    expect(itemsAfter.map(({ title, source_text, due_date }) => ({ title, source_text, due_date }))).toEqual(
      itemsBefore.map(({ title, source_text, due_date }) => ({ title, source_text, due_date })),
    );

    for (const call of calls.values()) {
      const row = await db.call(call.id);
      expect(row?.status, `${row?.title}`).toBe("COMPLETED");
      expect((await db.artifactTypes(call.id)).sort(), `${row?.title}: one artifact per type`).toEqual(ARTIFACTS);
      const events = await db.events(call.id);
      expect(timelineProblems(events, call.id === reanalysed ? { ANALYSIS: 2, CLEANUP: 2 } : {}), `${row?.title}: timeline`).toEqual([]);
      expect(events.filter((event) => event.stage === "UPLOAD").map((event) => event.status)).toEqual(["STARTED", "COMPLETED"]);
      for (const stage of STAGES_AFTER_UPLOAD) expect(events.some((event) => event.stage === stage), `${row?.title}: ${stage} on the timeline`).toBe(true);
      const kill = kills.filter((entry) => entry.callId === call.id && entry.interruptedStage);
      for (const { interruptedStage } of kill) {
        expect(events.some((event) => event.stage === interruptedStage && event.status === "FAILED" && event.error_code === "INTERRUPTED"), `${row?.title}: ${interruptedStage} closed as INTERRUPTED`).toBe(true);
      }
      const items = await db.actionItems(call.id);
      const keys = items.map((item) => `${item.title}|${item.source_text}|${item.due_date}`);
      expect(keys, `${row?.title}: no duplicated action item`).toEqual([...new Set(keys)]);
      const audio = await api(`/api/calls/${call.id}/audio`);
      expect(audio.status).toBe(200);
      const served = Buffer.from(await audio.arrayBuffer());
      expect({ bytes: served.length, sha: sha256(served) }, `${row?.title}: the recording is byte-identical`).toEqual({ bytes: call.bytes, sha: call.sha });
    }
    expect(await db.uploadingCalls(), "no upload left half-done").toEqual([]);
  } finally {
    console.info(`[faults] ${kills.length} kill points over ${lives.lives} server lives in ${((Date.now() - t0) / 1000).toFixed(0)} s (load ${os.loadavg().map((n) => n.toFixed(2)).join(" ")}):\n  ${figures.join("\n  ")}`);
    await lives.stop();
    await db.close();
    await database.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test("PostgreSQL restarted under load: 503 JSON during the outage, recovers by itself, the call finishes", async () => {
  test.skip(!pgClusterAvailable(), "needs PostgreSQL's initdb/pg_ctl");
  test.setTimeout(150_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-faults-pg-app-"));
  const cluster = await createCluster();
  const db = new Inspector(cluster.url);
  const lives = new ServerLives({ port: await freePort(), dataDir: path.join(work, "data"), databaseUrl: cluster.url });
  try {
    await lives.start();
    const cookie = await signIn(lives.base);
    const api = (pathname: string, init: RequestInit = {}) => fetch(`${lives.base}${pathname}`, { ...init, headers: { cookie, ...(init.headers as Record<string, string>) } });

    // A call in a stage when the database goes away: held once TRANSCRIPTION is done, before its step returns.
    lives.arm("TRANSCRIPTION", "after");
    const audio = spokenWav(work, "outage.wav", "Hello Sam. Can you send me the proposal by Friday? Thanks, talk soon.");
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(audio)], { type: "audio/wav" }), "During the outage.wav");
    const uploaded = await api("/api/calls", { method: "POST", body: form });
    expect(uploaded.status).toBe(201);
    const { call } = (await uploaded.json()) as { call: { id: string } };
    expect(await lives.held("TRANSCRIPTION", "after")).toBe(call.id);

    // Concurrent readers over the list, the call, its timeline and the inbox, all the time.
    // An answer's phase is when it started and when it ended ("before/outage" = in flight when the cluster stopped).
    const answers: { phase: string; status: number; contentType: string; body: string }[] = [];
    let phase = "before";
    let reading = true;
    const reader = async (pathname: string) => {
      while (reading) {
        const started = phase;
        try {
          const response = await api(pathname);
          const body = await response.text();
          answers.push({ phase: started === phase ? started : `${started}/${phase}`, status: response.status, contentType: response.headers.get("content-type") ?? "", body });
        } catch (error) {
          answers.push({ phase: started, status: -1, contentType: "", body: String(error) });
        }
        await sleep(25); // pacing, so the readers do not starve the server on a 2-core machine
      }
    };
    const readers = ["/api/calls", `/api/calls/${call.id}`, `/api/calls/${call.id}/events`, "/api/action-items"].flatMap((pathname) => [reader(pathname), reader(pathname)]);
    await until("reads before the outage", () => answers.filter((answer) => answer.phase === "before" && answer.status === 200).length >= 8);

    // An upload half sent when the database stops; the rest arrives during the outage.
    const second = spokenWav(work, "second.wav", "This recording arrives while the database is down.");
    const parts = multipartParts("Sent during the outage.wav", "audio/wav", second, Math.floor(second.length / 2));
    const halfSent = partialRequest(`${lives.base}/api/calls`, { method: "POST", headers: { cookie, "content-type": parts.contentType }, first: parts.first, rest: parts.rest });
    await until("the upload to be spooled", () => fs.readdirSync(path.join(lives.options.dataDir, "uploads")).some((entry) => entry.endsWith(".part")));

    cluster.stopImmediate();
    phase = "outage";
    const outageStarted = Date.now();
    lives.releaseAll(); // the held stage carries on and meets the outage
    const duringUpload = await halfSent.finish();
    await until("reads during the outage", () => answers.filter((answer) => answer.phase === "outage" && answer.status === 503).length >= 8);
    const failedUpload = await api("/api/calls", { method: "POST", body: form });
    const failedUploadBody = await failedUpload.text();
    // The released step returns into the outage: the engine can neither store its result nor give its lease
    // back. (Released above; the reads go on meanwhile, so the hook's 100 ms poll has long seen it.)
    const released = answers.length;
    await until("more reads during the outage", () => answers.filter((answer, i) => i >= released && answer.phase === "outage" && answer.status === 503).length >= 24);

    cluster.start();
    phase = "recovering";
    const restarted = Date.now();
    const firstOk = await until("a 200 after the restart", async () => ((await api("/api/calls")).status === 200 ? Date.now() - restarted : undefined), 30_000, 100);
    phase = "after";
    await until("reads after the restart", () => answers.filter((answer) => answer.phase === "after" && answer.status === 200).length >= 8);
    // Recovery shown: the readers stop, so the figures below are the pipeline's, not a read flood's.
    reading = false;
    await Promise.all(readers);
    // A run whose step returned into the outage resumes within 30 s (before the engine gave such a lease back
    // on its next pass, it waited out the 60 s lease: 53 s).
    const resumedAt = await until("the held call to resume", () => db.firstEventAfter(call.id, restarted).catch(() => null), 90_000, 100);
    expect(resumedAt.getTime() - restarted, "the call held in TRANSCRIPTION resumed within 30 s of pg_ctl start").toBeLessThan(30_000);
    const finished = await until("the processing call to finish", async () => {
      const row = await db.call(call.id).catch(() => null);
      return row && (row.status === "COMPLETED" || row.status === "FAILED") ? row.status : undefined;
    }, 90_000, 200);
    const finishedMs = Date.now() - restarted;

    // Whatever touched the outage: 200 (answered before the stop) or 503 with the JSON error, never a 500 or
    // an HTML page, never SQL or a stack. Before and after it: 200 only.
    const clean = (answer: (typeof answers)[number]) => ["before", "after"].includes(answer.phase);
    const touched = answers.filter((answer) => !clean(answer));
    const badOutage = touched.filter((answer) => answer.status !== 200 && !(answer.status === 503 && answer.contentType.includes("application/json") && JSON.parse(answer.body).error?.code === "SERVICE_UNAVAILABLE"));
    expect(badOutage.map(({ phase: p, status, body }) => `${p} ${status} ${body.slice(0, 120)}`), "answers during the outage").toEqual([]);
    for (const answer of touched.filter((entry) => entry.status === 503)) expect(answer.body).not.toMatch(/ECONNREFUSED|select |at .*\.(ts|js)/i);
    expect(answers.filter((answer) => answer.status >= 500 && answer.status !== 503), "no 5xx other than 503").toEqual([]);
    expect(answers.filter(clean).filter((answer) => answer.status !== 200).map(({ phase: p, status, body }) => `${p} ${status} ${body.slice(0, 120)}`), "answers before and after").toEqual([]);
    for (const refused of [{ status: "error" in duringUpload ? -1 : duringUpload.status, body: "error" in duringUpload ? String(duringUpload.error) : duringUpload.body }, { status: failedUpload.status, body: failedUploadBody }]) {
      expect(refused.status, `an upload during the outage: ${refused.body}`).toBe(503);
      expect(JSON.parse(refused.body).error.code).toBe("SERVICE_UNAVAILABLE");
    }

    // After: the call that was in a stage finished; the upload refused during the outage can be sent again.
    expect(finished).toBe("COMPLETED");
    expect((await db.artifactTypes(call.id)).sort()).toEqual(ARTIFACTS);
    const timeline = await db.events(call.id);
    expect(timelineProblems(timeline)).toEqual([]);
    // The step that returned into the outage was run again (and skipped itself: its artifact was stored).
    const metOutage = timeline.some((event) => event.stage === "TRANSCRIPTION" && event.status === "SKIPPED");
    const stored = Buffer.from(await (await api(`/api/calls/${call.id}/audio`)).arrayBuffer());
    expect(sha256(stored)).toBe(sha256(audio));
    const again = new FormData();
    again.append("file", new Blob([new Uint8Array(second)], { type: "audio/wav" }), "Sent during the outage.wav");
    expect((await api("/api/calls", { method: "POST", body: again })).status).toBe(201);
    const counts: Record<string, number> = {};
    for (const answer of answers) counts[answer.phase] = (counts[answer.phase] ?? 0) + 1;
    const outage503 = touched.filter((answer) => answer.status === 503).length;
    console.info(
      `[faults] PostgreSQL restart under load: ${answers.length} reads (by phase ${JSON.stringify(counts)}; ${outage503} answered 503 JSON during a ${restarted - outageStarted} ms outage); ` +
        `first 200 ${firstOk} ms after pg_ctl start; the call held in TRANSCRIPTION resumed ${resumedAt.getTime() - restarted} ms and was ${finished} ${finishedMs} ms after it (its step ${metOutage ? "met the outage and was run again" : "was stored before the outage"}) (load ${os.loadavg().map((n) => n.toFixed(2)).join(" ")})`,
    );
  } finally {
    await lives.stop();
    await db.close().catch(() => {});
    cluster.destroy();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
