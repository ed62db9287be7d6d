import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { replaceGeneratedActionItems } from "@/db/queries/action-items";
import { getArtifact } from "@/db/queries/artifacts";
import { createCall, listCalls, transitionCallStatus } from "@/db/queries/calls";
import { upsertUserByExternalId } from "@/db/queries/users";
import { actionItems, callArtifacts, callProcessingEvents, callRecords, type CallRecord, type User } from "@/db/schema";
import { filtersFromSearchParams } from "@/components/calls/filters";
import { inboxFiltersFromSearchParams } from "@/components/action-items/inbox-model";
import { safeCallbackPath } from "@/lib/auth/redirects";
import { unauthenticated } from "@/lib/http/errors";
import { loadJsonArtifact, saveJsonArtifact } from "@/lib/pipeline/artifacts";
import { saveSpeakerChanges } from "@/lib/speakers/update";
import { createLocalStorage, transcriptNormalizedKey, type ObjectStorage } from "@/lib/storage";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { makeAudio } from "../helpers/make-audio";

/**
 * The bad-input corpus (issue 14): route handlers called with a real Request on a real database (PGlite, and
 * PostgreSQL when TEST_DATABASE_URL is set), real local storage and the real tus server. Every case asserts
 * no 5xx, the documented JSON error on refusals, nothing internal in the body (SQL, stack, an id the caller did
 * not send), and — for refused requests — no row, object or spool file left behind. Pages and the sign-in
 * server action are covered through the functions that read their input (search params, callbackUrl).
 */

const world = vi.hoisted(() => ({
  user: null as User | null,
  db: null as Database | null,
  storage: null as ObjectStorage | null,
  dataDir: "",
}));

vi.mock("@/lib/auth/session", () => ({
  requireUser: async () => {
    if (!world.user) throw unauthenticated();
    return world.user;
  },
}));
vi.mock("@/db", () => ({ getDb: async () => world.db }));
vi.mock("@/lib/storage", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/storage")>()),
  getStorage: () => world.storage,
}));
vi.mock("@/inngest/client", () => ({ getInngest: () => ({ send: async () => ({ ids: [] }) }) }));
vi.mock("@/lib/env", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/env")>();
  return { ...original, loadEnv: () => original.parseEnv({ SCRYON_DATA_DIR: world.dataDir, SCRYON_MAX_UPLOAD_BYTES: String(1024 * 1024) }) };
});

const callsRoute = await import("@/app/api/calls/route");
const callRoute = await import("@/app/api/calls/[id]/route");
const audioRoute = await import("@/app/api/calls/[id]/audio/route");
const transcriptRoute = await import("@/app/api/calls/[id]/transcript/route");
const eventsRoute = await import("@/app/api/calls/[id]/events/route");
const callItemsRoute = await import("@/app/api/calls/[id]/action-items/route");
const itemRoute = await import("@/app/api/action-items/[id]/route");
const inboxRoute = await import("@/app/api/action-items/route");
const speakersRoute = await import("@/app/api/calls/[id]/speakers/route");
const speakerRoute = await import("@/app/api/calls/[id]/speakers/[speakerId]/route");
const reanalyzeRoute = await import("@/app/api/calls/[id]/reanalyze/route");
const retryRoute = await import("@/app/api/calls/[id]/retry/route");
const tusRoute = await import("@/app/api/uploads/[[...path]]/route");
const voiceProfileRoute = await import("@/app/api/voice-profile/route");
const voiceConsentRoute = await import("@/app/api/voice-profile/consent/route");
const voiceApplyRoute = await import("@/app/api/voice-profile/apply/route");

const BASE = "http://localhost";
const MISSING = "00000000-0000-4000-8000-000000000000";
const NUL = "\u0000";
const LEAKS = [/failed query/i, /insert into/i, /select .* from/i, /\bat .*\.(ts|js):\d+/, /postgres|pglite/i, /SQLSTATE/i];

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
const ctx = (params: Record<string, string> = {}) => ({ params: Promise.resolve(params) });
const jsonRequest = (method: string, url: string, body: unknown) =>
  new Request(`${BASE}${url}`, { method, headers: { "Content-Type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
const meta = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString("base64")}`)
    .join(",");
const tusHeaders = (extra: Record<string, string> = {}) => ({ "Tus-Resumable": "1.0.0", ...extra });
const tus = (method: string, url: string, headers: Record<string, string>, body?: BodyInit) =>
  tusRoute.POST(new Request(`${BASE}${url}`, { method, headers, body }), ctx());
function multipart(fields: Record<string, string>, file?: { bytes: Uint8Array; name: string }): Request {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  if (file) form.append("file", new Blob([new Uint8Array(file.bytes)]), file.name);
  return new Request(`${BASE}/api/calls`, { method: "POST", body: form });
}
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

interface Case {
  name: string;
  run: () => Promise<Response>;
  /** Expected status (or one of several, or any 4xx for routes whose exact answer is another module's); every case also requires < 500. */
  status: number | number[] | "4xx";
  /** The request was refused: nothing may be left behind (rows, objects, spool files). */
  refused?: boolean;
}

const TRANSCRIPT: NormalizedTranscript = {
  version: 1,
  language: "en",
  durationSeconds: 30,
  quality: "standard",
  speakers: [
    { id: "A", label: "Speaker 1", role: "UNKNOWN", displayName: null, confidence: null },
    { id: "B", label: "Speaker 2", role: "UNKNOWN", displayName: null, confidence: null },
  ],
  segments: [
    { id: "s0001", speakerId: "A", start: 1, end: 4, text: "I will send the proposal by Friday", words: [] },
    { id: "s0002", speakerId: "B", start: 5, end: 8, text: "Can you loop in finance", words: [] },
  ],
};

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (current: string) => {
    let entries: import("node:fs").Dirent[] = [];
    try {
      entries = await fs.readdir(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else out.push(path.relative(dir, full));
    }
  };
  await walk(dir);
  return out.sort();
}

describe.each(databaseKinds())("bad-input corpus on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let alice: User;
  let bob: User;
  let aliceCall: CallRecord;
  let bobCall: CallRecord;
  let aliceItemId: string;
  let bobItemId: string;
  let wav: Buffer;
  let openUpload: string;

  const state = async () => {
    const rows = async (table: typeof callRecords | typeof callArtifacts | typeof actionItems | typeof callProcessingEvents) =>
      (await t.db.select({ n: count() }).from(table))[0]!.n;
    return {
      calls: await rows(callRecords),
      artifacts: await rows(callArtifacts),
      items: await rows(actionItems),
      events: await rows(callProcessingEvents),
      files: await listFiles(root),
    };
  };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-corpus-"));
    world.dataDir = path.join(root, "data");
    world.db = t.db;
    world.storage = createLocalStorage(path.join(root, "blob"));
    // getPipelineDeps() (voice-profile routes) keeps its deps on globalThis: rebuild them for this database.
    delete (globalThis as { __scryonPipelineDeps?: unknown }).__scryonPipelineDeps;
    alice = await upsertUserByExternalId(t.db, { externalUserId: `corpus-alice-${kind}`, displayName: "Alice" });
    bob = await upsertUserByExternalId(t.db, { externalUserId: `corpus-bob-${kind}`, displayName: "Bob" });
    wav = await fs.readFile(await makeAudio("wav"));
    const processed = async (owner: User) => {
      let call = await createCall(t.db, owner.id, { title: "Corpus call", contactName: "Carol" });
      await saveJsonArtifact(
        { db: t.db, storage: world.storage! },
        { userId: owner.id, callId: call.id, type: "NORMALIZED_TRANSCRIPT_JSON", key: transcriptNormalizedKey(owner.id, call.id), value: TRANSCRIPT },
      );
      call = await transitionCallStatus(t.db, { callId: call.id, from: "UPLOADING", to: "QUEUED" });
      call = await transitionCallStatus(t.db, { callId: call.id, from: "QUEUED", to: "PROCESSING" });
      call = await transitionCallStatus(t.db, { callId: call.id, from: "PROCESSING", to: "COMPLETED" });
      await replaceGeneratedActionItems(t.db, {
        callId: call.id,
        items: [
          { title: "Send the proposal", dueDate: "2026-03-06", priority: "medium", sourceSegmentIdsJson: ["s0001"], sourceText: "I will send", ownerSpeakerId: "A", ownerSpeakerLabel: "Speaker 1", ownerRole: "UNKNOWN" },
        ],
      });
      const [item] = await t.db.select().from(actionItems).where(eq(actionItems.callRecordId, call.id));
      return { call, itemId: item!.id };
    };
    ({ call: aliceCall, itemId: aliceItemId } = await processed(alice));
    ({ call: bobCall, itemId: bobItemId } = await processed(bob));
    // One upload in progress, for PATCH abuse.
    world.user = alice;
    const created = await tus("POST", "/api/uploads", tusHeaders({ "Upload-Length": String(wav.byteLength), "Upload-Metadata": meta({ filename: "open.wav" }) }));
    openUpload = created.headers.get("location")!;
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const id = () => aliceCall.id;
  const call = (handler: Handler, request: Request, params: Record<string, string>) => handler(request, ctx(params));
  const patchCall = (body: unknown, callId = id()) => call(callRoute.PATCH as Handler, jsonRequest("PATCH", `/api/calls/${callId}`, body), { id: callId });
  const createItem = (body: unknown, callId = id()) =>
    call(callItemsRoute.POST as Handler, jsonRequest("POST", `/api/calls/${callId}/action-items`, body), { id: callId });
  const patchItem = (body: unknown, itemId = aliceItemId) => call(itemRoute.PATCH as Handler, jsonRequest("PATCH", `/api/action-items/${itemId}`, body), { id: itemId });
  const list = (query: string) => callsRoute.GET(new Request(`${BASE}/api/calls?${query}`), ctx());
  const inbox = (query: string) => inboxRoute.GET(new Request(`${BASE}/api/action-items?${query}`), ctx());
  const renameOne = (body: unknown, speakerId = "A", callId = id()) =>
    call(speakerRoute.PATCH as Handler, jsonRequest("PATCH", `/api/calls/${callId}/speakers/${speakerId}`, body), { id: callId, speakerId });
  const renameMany = (body: unknown, callId = id()) => call(speakersRoute.PATCH as Handler, jsonRequest("PATCH", `/api/calls/${callId}/speakers`, body), { id: callId });
  const audio = (range: string, callId = id()) =>
    call(audioRoute.GET as Handler, new Request(`${BASE}/api/calls/${callId}/audio`, { headers: { Range: range } }), { id: callId });
  const upload = (fields: Record<string, string>, file?: { bytes: Uint8Array; name: string }) => callsRoute.POST(multipart(fields, file), ctx());
  const tusCreate = (metadata: Record<string, string>, length = wav.byteLength) =>
    tus("POST", "/api/uploads", tusHeaders({ "Upload-Length": String(length), "Upload-Metadata": meta(metadata) }));

  const huge = "x".repeat(100_000);
  const cases: Case[] = [
    // GET /api/calls — search, cursor, paging, filters
    { name: "list: q with NUL", run: () => list(`q=${encodeURIComponent(`a${NUL}b`)}`), status: 400 },
    { name: "list: q with a bell control character", run: () => list(`q=${encodeURIComponent("a\u0007")}`), status: 400 },
    { name: "list: q with a lone surrogate", run: () => list("q=%ED%A0%80"), status: [200, 400] },
    { name: "list: q too long", run: () => list(`q=${"a".repeat(5000)}`), status: 400 },
    { name: "list: q with LIKE metacharacters", run: () => list(`q=${encodeURIComponent("%_\\")}`), status: 200 },
    { name: "list: q with emoji and RTL override", run: () => list(`q=${encodeURIComponent("😀\u202Eabc")}`), status: 200 },
    { name: "list: cursor garbage", run: () => list("cursor=%%%not-base64"), status: 400 },
    { name: "list: cursor of year 0", run: () => list(`cursor=${cursorOf(["0000-01-01T00:00:00.000Z", MISSING])}`), status: 400 },
    { name: "list: cursor of +275760", run: () => list(`cursor=${cursorOf([new Date(8.64e15).toISOString(), MISSING])}`), status: 400 },
    { name: "list: cursor of -271821", run: () => list(`cursor=${cursorOf([new Date(-8.64e15).toISOString(), MISSING])}`), status: 400 },
    { name: "list: cursor of year 10000", run: () => list(`cursor=${cursorOf(["+010000-01-01T00:00:00.000Z", MISSING])}`), status: 400 },
    { name: "list: cursor with a bad id", run: () => list(`cursor=${cursorOf(["2026-01-01T00:00:00.000Z", "1; drop table users"])}`), status: 400 },
    { name: "list: cursor with NUL", run: () => list(`cursor=${encodeURIComponent(NUL)}`), status: 400 },
    { name: "list: limit 0", run: () => list("limit=0"), status: 400 },
    { name: "list: limit not a number", run: () => list("limit=abc"), status: 400 },
    { name: "list: limit huge", run: () => list("limit=1e300"), status: 400 },
    { name: "list: unknown status", run: () => list("status=BOGUS"), status: 400 },
    { name: "list: unknown direction", run: () => list("direction=sideways"), status: 400 },

    // POST /api/calls — multipart
    {
      name: "upload: multipart without boundary",
      run: () => callsRoute.POST(new Request(`${BASE}/api/calls`, { method: "POST", headers: { "Content-Type": "multipart/form-data" }, body: "x" }), ctx()),
      status: 400,
      refused: true,
    },
    {
      name: "upload: multipart with an empty boundary",
      run: () => callsRoute.POST(new Request(`${BASE}/api/calls`, { method: "POST", headers: { "Content-Type": "multipart/form-data; boundary=" }, body: "x" }), ctx()),
      status: 400,
      refused: true,
    },
    {
      name: "upload: not multipart",
      run: () => callsRoute.POST(new Request(`${BASE}/api/calls`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }), ctx()),
      status: 400,
      refused: true,
    },
    {
      name: "upload: truncated multipart body",
      run: () =>
        callsRoute.POST(
          new Request(`${BASE}/api/calls`, {
            method: "POST",
            headers: { "Content-Type": "multipart/form-data; boundary=XYZ" },
            body: `--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nRIFF`,
          }),
          ctx(),
        ),
      status: 400,
      refused: true,
    },
    { name: "upload: no file field", run: () => upload({ title: "x" }), status: 400, refused: true },
    { name: "upload: title with NUL", run: () => upload({ title: `a${NUL}` }, { bytes: wav, name: "a.wav" }), status: 400, refused: true },
    { name: "upload: contact with a control character", run: () => upload({ contactName: "a\u001B[31m" }, { bytes: wav, name: "a.wav" }), status: 400, refused: true },
    { name: "upload: recordedAt year 0", run: () => upload({ recordedAt: "0000-06-01T00:00:00Z" }, { bytes: wav, name: "a.wav" }), status: 400, refused: true },
    { name: "upload: recordedAt year 10000", run: () => upload({ recordedAt: "+010000-01-01T00:00:00Z" }, { bytes: wav, name: "a.wav" }), status: 400, refused: true },
    { name: "upload: recordedAt 8.64e15 ms", run: () => upload({ recordedAt: "8640000000000000" }, { bytes: wav, name: "a.wav" }), status: 400, refused: true },
    { name: "upload: recordedAt not a date", run: () => upload({ recordedAt: "yesterday-ish" }, { bytes: wav, name: "a.wav" }), status: 400, refused: true },
    { name: "upload: filename with NUL", run: () => upload({}, { bytes: wav, name: `a${NUL}.wav` }), status: 400, refused: true },
    { name: "upload: phone number with NUL", run: () => upload({ phoneNumber: `123${NUL}` }, { bytes: wav, name: "a.wav" }), status: 400, refused: true },
    { name: "upload: direction unknown", run: () => upload({ direction: "SIDEWAYS" }, { bytes: wav, name: "a.wav" }), status: 400, refused: true },
    { name: "upload: title 100 000 characters", run: () => upload({ title: huge }, { bytes: wav, name: "a.wav" }), status: 400, refused: true },
    { name: "upload: not audio (a text file)", run: () => upload({}, { bytes: new TextEncoder().encode("hello, not audio at all"), name: "a.wav" }), status: 415, refused: true },
    { name: "upload: empty file", run: () => upload({}, { bytes: new Uint8Array(), name: "a.wav" }), status: 415, refused: true },
    { name: "upload: truncated WAV (header only)", run: () => upload({}, { bytes: wav.subarray(0, 44), name: "a.wav" }), status: 415, refused: true },
    { name: "upload: WAV cut in half", run: () => upload({}, { bytes: wav.subarray(0, Math.floor(wav.byteLength / 2)), name: "a.wav" }), status: [201, 415] },
    { name: "upload: PNG named .wav", run: () => upload({}, { bytes: Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Uint8Array(64)]), name: "a.wav" }), status: 415, refused: true },
    { name: "upload: over the size limit", run: () => upload({}, { bytes: new Uint8Array(2 * 1024 * 1024), name: "a.wav" }), status: [413, 415], refused: true },
    { name: "upload: path-traversal filename (stored under its own key)", run: () => upload({}, { bytes: wav, name: "../../../../etc/passwd.wav" }), status: 201 },

    // /api/calls/:id and its sub-resources
    { name: "call: malformed id", run: () => call(callRoute.GET as Handler, new Request(`${BASE}/api/calls/not-a-uuid`), { id: "not-a-uuid" }), status: 404 },
    { name: "call: traversal id", run: () => call(callRoute.GET as Handler, new Request(`${BASE}/api/calls/..%2F..%2Fetc`), { id: "../../etc" }), status: 404 },
    { name: "call: NUL in id", run: () => call(callRoute.GET as Handler, new Request(`${BASE}/api/calls/x`), { id: `a${NUL}` }), status: 404 },
    { name: "call: another user's id", run: () => call(callRoute.GET as Handler, new Request(`${BASE}/api/calls/${bobCall.id}`), { id: bobCall.id }), status: 404 },
    { name: "patch call: malformed JSON", run: () => patchCall("{not json"), status: 400 },
    { name: "patch call: JSON array", run: () => patchCall([1, 2]), status: 400 },
    { name: "patch call: JSON null", run: () => patchCall("null"), status: 400 },
    { name: "patch call: title with NUL", run: () => patchCall({ title: `x${NUL}y` }), status: 400 },
    { name: "patch call: organization with DEL", run: () => patchCall({ organization: "Acme\u007F" }), status: 400 },
    { name: "patch call: contactId with a lone surrogate", run: () => patchCall({ contactId: "id-\uD800" }), status: 400 },
    { name: "patch call: recordedAt year 0", run: () => patchCall({ recordedAt: "0000-01-01T00:00:00Z" }), status: 400 },
    { name: "patch call: recordedAt -8.64e15", run: () => patchCall({ recordedAt: -8.64e15 }), status: 400 },
    { name: "patch call: recordedAt year 275760", run: () => patchCall({ recordedAt: "+275760-09-13T00:00:00.000Z" }), status: 400 },
    { name: "patch call: title wrong type", run: () => patchCall({ title: 123 }), status: 400 },
    { name: "patch call: unknown field", run: () => patchCall({ userId: bob.id }), status: 400 },
    { name: "patch call: huge title", run: () => patchCall({ title: huge }), status: 400 },
    { name: "patch call: emoji, combining marks and RTL are text", run: () => patchCall({ title: "Café 😀 \u202Eevil" }), status: 200 },
    { name: "patch call: another user's call", run: () => patchCall({ title: "mine now" }, bobCall.id), status: 404 },
    { name: "delete call: another user's call", run: () => call(callRoute.DELETE as Handler, new Request(`${BASE}/x`, { method: "DELETE" }), { id: bobCall.id }), status: 404 },
    { name: "audio: no audio stored", run: () => audio("bytes=0-1"), status: 404 },
    { name: "audio: another user's call", run: () => audio("bytes=0-1", bobCall.id), status: 404 },
    { name: "audio: malformed range on a missing call", run: () => audio("bytes=abc", MISSING), status: 404 },
    { name: "transcript: unknown format", run: () => call(transcriptRoute.GET as Handler, new Request(`${BASE}/x?format=exe`), { id: id() }), status: 400 },
    { name: "transcript: another user's call", run: () => call(transcriptRoute.GET as Handler, new Request(`${BASE}/x`), { id: bobCall.id }), status: 404 },
    { name: "events: another user's call", run: () => call(eventsRoute.GET as Handler, new Request(`${BASE}/x`), { id: bobCall.id }), status: 404 },
    { name: "reanalyze: another user's call", run: () => call(reanalyzeRoute.POST as Handler, new Request(`${BASE}/x`, { method: "POST" }), { id: bobCall.id }), status: 404 },
    { name: "retry: a call that has not failed", run: () => call(retryRoute.POST as Handler, new Request(`${BASE}/x`, { method: "POST" }), { id: id() }), status: 409 },

    // Action items
    { name: "create item: title with NUL", run: () => createItem({ title: `Send${NUL}` }), status: 400, refused: true },
    { name: "create item: description with a control character", run: () => createItem({ title: "ok", description: "a\u0002b" }), status: 400, refused: true },
    { name: "create item: dueDate year 0", run: () => createItem({ title: "ok", dueDate: "0000-01-01" }), status: 400, refused: true },
    { name: "create item: dueDate year 10000", run: () => createItem({ title: "ok", dueDate: "10000-01-01" }), status: 400, refused: true },
    { name: "create item: dueDate 30 February", run: () => createItem({ title: "ok", dueDate: "2026-02-30" }), status: 400, refused: true },
    { name: "create item: owner speakerId with NUL", run: () => createItem({ title: "ok", owner: { speakerId: `A${NUL}` } }), status: 400, refused: true },
    { name: "create item: title only whitespace", run: () => createItem({ title: "   " }), status: 400, refused: true },
    { name: "create item: malformed JSON", run: () => createItem("{"), status: 400, refused: true },
    { name: "create item: another user's call", run: () => createItem({ title: "ok" }, bobCall.id), status: 404, refused: true },
    { name: "patch item: snoozedUntil year 0", run: () => patchItem({ status: "SNOOZED", snoozedUntil: "0000-01-01T00:00:00Z" }), status: 400 },
    { name: "patch item: snoozedUntil +275760", run: () => patchItem({ status: "SNOOZED", snoozedUntil: "+275760-09-13T00:00:00Z" }), status: 400 },
    { name: "patch item: snoozedUntil year 9999 end", run: () => patchItem({ status: "SNOOZED", snoozedUntil: "9999-12-31T23:59:59Z" }), status: 200 },
    { name: "patch item: snooze without a time", run: () => patchItem({ status: "SNOOZED" }), status: 400 },
    { name: "patch item: description with NUL", run: () => patchItem({ description: NUL }), status: 400 },
    { name: "patch item: title of the wrong type", run: () => patchItem({ title: ["a"] }), status: 400 },
    { name: "patch item: another user's item", run: () => patchItem({ title: "mine" }, bobItemId), status: 404 },
    { name: "patch item: malformed id", run: () => patchItem({ title: "x" }, "'; drop table action_items; --"), status: 404 },
    { name: "inbox: today year 0", run: () => inbox("due=today&today=0000-01-01"), status: 400 },
    { name: "inbox: today 9999-12-31 with the week filter", run: () => inbox("due=week&today=9999-12-31"), status: 400 },
    { name: "inbox: today 0001-01-01 with the overdue filter", run: () => inbox("due=overdue&today=0001-01-01"), status: 400 },
    { name: "inbox: today year 10000", run: () => inbox("today=10000-01-01"), status: 400 },
    { name: "inbox: callId with NUL", run: () => inbox(`callId=${encodeURIComponent(NUL)}`), status: 400 },
    { name: "inbox: callId not a uuid", run: () => inbox("callId=abc"), status: 200 },
    { name: "inbox: another user's callId", run: () => inbox(`callId=${bobCall.id}`), status: 200 },
    { name: "inbox: unknown format", run: () => inbox("format=xlsx"), status: 400 },

    // Speakers
    { name: "speaker: name with NUL", run: () => renameOne({ displayName: `Dan${NUL}` }), status: 400 },
    { name: "speaker: name with ESC", run: () => renameOne({ displayName: "Dan\u001B" }), status: 400 },
    { name: "speaker: name with a lone surrogate", run: () => renameOne({ displayName: "\uDC00Dan" }), status: 400 },
    { name: "speaker: name too long", run: () => renameOne({ displayName: "D".repeat(81) }), status: 400 },
    { name: "speaker: unknown speaker", run: () => renameOne({ displayName: "Dan" }, "Z"), status: 404 },
    { name: "speaker: another user's call", run: () => renameOne({ displayName: "Dan" }, "A", bobCall.id), status: 404 },
    { name: "speakers: empty batch", run: () => renameMany({ edits: [] }), status: 400 },
    { name: "speakers: batch of 51", run: () => renameMany({ edits: Array.from({ length: 51 }, () => ({ speakerId: "A", displayName: "x" })) }), status: 400 },
    { name: "speakers: speakerId with NUL in a batch", run: () => renameMany({ edits: [{ speakerId: `A${NUL}`, displayName: "x" }] }), status: 400 },
    { name: "speakers: one unknown speaker saves nothing", run: () => renameMany({ edits: [{ speakerId: "A", displayName: "Ann" }, { speakerId: "Z", displayName: "x" }] }), status: 404 },

    // tus
    { name: "tus: title with NUL", run: () => tusCreate({ filename: "a.wav", title: `a${NUL}` }), status: 400, refused: true },
    { name: "tus: filename with NUL", run: () => tusCreate({ filename: `a${NUL}.wav` }), status: 400, refused: true },
    { name: "tus: recordedAt year 0", run: () => tusCreate({ filename: "a.wav", recordedAt: "0000-01-01T00:00:00Z" }), status: 400, refused: true },
    { name: "tus: recordedAt 8.64e15", run: () => tusCreate({ filename: "a.wav", recordedAt: "8640000000000000" }), status: 400, refused: true },
    { name: "tus: undecodable Upload-Metadata", run: () => tus("POST", "/api/uploads", tusHeaders({ "Upload-Length": "10", "Upload-Metadata": "title !!!,," })), status: 400, refused: true },
    { name: "tus: negative Upload-Length", run: () => tus("POST", "/api/uploads", tusHeaders({ "Upload-Length": "-1" })), status: 400, refused: true },
    { name: "tus: Upload-Length over the limit", run: () => tus("POST", "/api/uploads", tusHeaders({ "Upload-Length": String(10 * 1024 * 1024) })), status: 413, refused: true },
    { name: "tus: Upload-Length 2^64", run: () => tus("POST", "/api/uploads", tusHeaders({ "Upload-Length": "18446744073709551616" })), status: [400, 413], refused: true },
    { name: "tus: missing Tus-Resumable", run: () => tus("POST", "/api/uploads", { "Upload-Length": "10" }), status: 412, refused: true },
    { name: "tus: unsupported Tus-Resumable", run: () => tus("POST", "/api/uploads", { "Tus-Resumable": "0.2.2", "Upload-Length": "10" }), status: [400, 412], refused: true },
    {
      name: "tus: creation-with-upload longer than Upload-Length",
      run: () => tus("POST", "/api/uploads", tusHeaders({ "Upload-Length": "10", "Content-Type": "application/offset+octet-stream" }), new Uint8Array(100)),
      status: 413,
      refused: true,
    },
    {
      name: "tus: deferred length that overflows the limit",
      run: async () => {
        const created = await tus("POST", "/api/uploads", tusHeaders({ "Upload-Defer-Length": "1" }));
        return tus(
          "PATCH",
          created.headers.get("location") ?? "/api/uploads/x",
          tusHeaders({ "Upload-Offset": "0", "Upload-Length": String(10 * 1024 * 1024), "Content-Type": "application/offset+octet-stream" }),
          new Uint8Array(10),
        );
      },
      status: 413,
      refused: true,
    },
    { name: "tus: PATCH with a wrong offset", run: () => tus("PATCH", openUpload, tusHeaders({ "Upload-Offset": "7", "Content-Type": "application/offset+octet-stream" }), new Uint8Array(3)), status: 409 },
    { name: "tus: PATCH without its content type", run: () => tus("PATCH", openUpload, tusHeaders({ "Upload-Offset": "0", "Content-Type": "text/plain" }), new Uint8Array(3)), status: [400, 415] },
    { name: "tus: PATCH with a negative offset", run: () => tus("PATCH", openUpload, tusHeaders({ "Upload-Offset": "-5", "Content-Type": "application/offset+octet-stream" }), new Uint8Array(3)), status: 400 },
    { name: "tus: traversal upload id", run: () => tus("HEAD", "/api/uploads/..%2F..%2Fetc%2Fpasswd", tusHeaders()), status: 404 },
    { name: "tus: NUL in the upload id", run: () => tus("HEAD", "/api/uploads/%00", tusHeaders()), status: 404 },
    { name: "tus: another user's upload", run: async () => ((world.user = bob), tus("HEAD", openUpload, tusHeaders()).finally(() => (world.user = alice))), status: 404 },
    { name: "tus: DELETE of another user's upload", run: async () => ((world.user = bob), tus("DELETE", openUpload, tusHeaders()).finally(() => (world.user = alice))), status: 404 },
    { name: "tus: upload that is not audio", run: async () => {
        const text = new TextEncoder().encode("definitely not a recording");
        const created = await tusCreate({ filename: "notes.wav" }, text.byteLength);
        return tus("PATCH", created.headers.get("location")!, tusHeaders({ "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" }), text);
      }, status: 415, refused: true },
  ];

  const consent = (body: unknown) => voiceConsentRoute.POST(jsonRequest("POST", "/api/voice-profile/consent", body), ctx());
  cases.push(
    // Voice profile (its own module decides the exact 4xx; the corpus holds it to no 5xx and the envelope)
    { name: "voice consent: version with NUL", run: () => consent({ version: `v${NUL}` }), status: 400, refused: true },
    { name: "voice consent: malformed JSON", run: () => consent("{"), status: 400, refused: true },
    { name: "voice consent: version of the wrong type", run: () => consent({ version: 7 }), status: 400, refused: true },
    { name: "voice consent: unknown field", run: () => consent({ version: "x", userId: bob.id }), status: "4xx", refused: true },
    { name: "voice consent: a version that is not the current one", run: () => consent({ version: "1999-01-01" }), status: "4xx", refused: true },
    {
      name: "voice sample: multipart without boundary",
      run: () => voiceProfileRoute.POST(new Request(`${BASE}/api/voice-profile`, { method: "POST", headers: { "Content-Type": "multipart/form-data" }, body: "x" }), ctx()),
      status: "4xx",
      refused: true,
    },
    {
      name: "voice sample: not audio",
      run: () => {
        const form = new FormData();
        form.append("sample", new Blob(["not audio at all"]), "me.wav");
        return voiceProfileRoute.POST(new Request(`${BASE}/api/voice-profile`, { method: "POST", body: form }), ctx());
      },
      status: "4xx",
      refused: true,
    },
    { name: "voice apply: a JSON array body", run: () => voiceApplyRoute.POST(jsonRequest("POST", "/api/voice-profile/apply", [1]), ctx()), status: 400, refused: true },
    { name: "voice apply: without a profile", run: () => voiceApplyRoute.POST(jsonRequest("POST", "/api/voice-profile/apply", {}), ctx()), status: "4xx", refused: true },
  );

  it(`has at least 80 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
  });

  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    world.user = alice;
    const before = c.refused ? await state() : null;
    const response = await c.run();
    const text = await response.text();
    expect(response.status, text).toBeLessThan(500);
    expect(response.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    if (c.status === "4xx") expect(response.status, text.slice(0, 300)).toBeGreaterThanOrEqual(400);
    else expect(Array.isArray(c.status) ? c.status : [c.status], `status ${response.status}: ${text.slice(0, 300)}`).toContain(response.status);
    if (c.run.toString().includes('"HEAD"')) expect(text, "a HEAD answer has no body").toBe("");
    if (response.status >= 400 && text) {
      expect(response.headers.get("content-type") ?? "").toContain("application/json");
      const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
      expect(typeof body.error?.code).toBe("string");
      expect(typeof body.error?.message).toBe("string");
      for (const leak of LEAKS) expect(text).not.toMatch(leak);
      for (const userId of [alice.id, bob.id]) expect(text).not.toContain(userId);
    }
    if (before) expect(await state()).toEqual(before);
  });

  it("pages read hand-edited URLs leniently and never fail on them", async () => {
    for (const q of [`a${NUL}b`, "\u0007", "\uD800", "x".repeat(5000), "%_\\"]) {
      const filters = filtersFromSearchParams({ q, status: `QUEUED,${NUL}`, direction: "\u0000" });
      await expect(listCalls(t.db, { userId: alice.id, limit: 10, query: filters.q, statuses: ["COMPLETED"] })).resolves.toBeDefined();
    }
    const inboxFilters = inboxFiltersFromSearchParams({ call: `x${NUL}`, status: NUL, due: "\u0007" });
    expect(inboxFilters.status).toBe("OPEN");
  });

  it("the sign-in action's callbackUrl falls back for every unsafe target", () => {
    for (const target of ["/\t/evil.example", "/\r\n/evil", "//evil.example", "/\\evil.example", "https://evil.example", `/${NUL}`, "javascript:alert(1)"]) {
      expect(safeCallbackPath(target)).toBe("/calls");
    }
  });

  it("a speaker change the database refuses leaves the transcript, its byte_size and the items as they were", async () => {
    const deps = { db: t.db, storage: world.storage! };
    const ref = { userId: alice.id, callId: aliceCall.id, type: "NORMALIZED_TRANSCRIPT_JSON" as const };
    const artifact = (await getArtifact(t.db, ref))!;
    const before = (await loadJsonArtifact<NormalizedTranscript>(deps, ref))!;
    const itemsBefore = await t.db.select().from(actionItems).where(eq(actionItems.callRecordId, aliceCall.id));
    // Past the edge validation on purpose: the database itself refuses NUL (22P05/22021).
    const after = { ...before, speakers: before.speakers.map((speaker) => (speaker.id === "A" ? { ...speaker, displayName: `Dan${NUL}` } : speaker)) };
    await expect(saveSpeakerChanges(deps, { callId: aliceCall.id, artifact, before, after })).rejects.toThrow();
    const stored = (await world.storage!.head(artifact.storageKey))!;
    expect((await getArtifact(t.db, ref))!.byteSize).toBe(stored.size);
    expect(await loadJsonArtifact<NormalizedTranscript>(deps, ref)).toEqual(before);
    expect(await t.db.select().from(actionItems).where(eq(actionItems.callRecordId, aliceCall.id))).toEqual(itemsBefore);
  });

  it("a storage failure after the transcript was written puts the previous one back, byte_size matching", async () => {
    const real = world.storage!;
    let puts = 0;
    const flaky: ObjectStorage = {
      ...real,
      put: async (...args: Parameters<ObjectStorage["put"]>) => {
        const stored = await real.put(...args);
        if (++puts === 1) throw new Error("connection reset after the write");
        return stored;
      },
    };
    const deps = { db: t.db, storage: flaky };
    const ref = { userId: alice.id, callId: aliceCall.id, type: "NORMALIZED_TRANSCRIPT_JSON" as const };
    const artifact = (await getArtifact(t.db, ref))!;
    const before = (await loadJsonArtifact<NormalizedTranscript>({ db: t.db, storage: real }, ref))!;
    const after = { ...before, speakers: before.speakers.map((speaker) => (speaker.id === "A" ? { ...speaker, displayName: "A much longer name than before" } : speaker)) };
    await expect(saveSpeakerChanges(deps, { callId: aliceCall.id, artifact, before, after })).rejects.toThrow("connection reset");
    expect(puts).toBe(2);
    const stored = (await real.head(artifact.storageKey))!;
    expect((await getArtifact(t.db, ref))!.byteSize).toBe(stored.size);
    expect(await loadJsonArtifact<NormalizedTranscript>({ db: t.db, storage: real }, ref)).toEqual(before);
    const [item] = await t.db.select().from(actionItems).where(eq(actionItems.id, aliceItemId));
    expect(item?.ownerDisplayName).not.toBe("A much longer name than before");
  });
});
