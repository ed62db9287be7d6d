import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { replaceGeneratedActionItems } from "@/db/queries/action-items";
import { insertArtifact } from "@/db/queries/artifacts";
import { createCall, transitionCallStatus } from "@/db/queries/calls";
import { insertProcessingEvent } from "@/db/queries/events";
import { recordVoiceConsent } from "@/db/queries/voice-profiles";
import { upsertUserByExternalId } from "@/db/queries/users";
import { insertApiToken } from "@/db/queries/api-tokens";
import { actionItems, apiTokens, callArtifacts, callProcessingEvents, callRecords, userVoiceProfiles, users, webhookDeliveries, webhookEndpoints, type CallRecord, type User } from "@/db/schema";
import { generateApiToken } from "@/lib/auth/api-tokens";
import { unauthenticated } from "@/lib/http/errors";
import { saveJsonArtifact } from "@/lib/pipeline/artifacts";
import { analysisKey, createLocalStorage, originalAudioKey, transcriptNormalizedKey, type ObjectStorage } from "@/lib/storage";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { discoverRouteMethods, HTTP_METHODS } from "../helpers/api-routes";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { makeAudio } from "../helpers/make-audio";

/**
 * Two users × every route handler and method in app/api (issue 14). Alice owns one of everything (a processed
 * call with audio, transcript, analysis, events and action items; a failed call; a tus upload in progress; a
 * direct Blob upload begun; consent and a voice profile). Bob, signed in, asks every route for Alice's objects:
 * each answer must be exactly what he gets for an id that does not exist (404, never 403, never her data),
 * lists and exports never carry her rows, what he creates is his, and afterwards every row and stored byte of
 * Alice's is as it was. The route handlers are called directly with a Request on a real database (PGlite, and
 * PostgreSQL when TEST_DATABASE_URL is set) and real local storage.
 *
 * The first test enumerates `app/api/**\/route.ts` and the HTTP methods each exports: a route or method added
 * without a row in CASES fails it. Pages are covered over HTTP in e2e/access-control.spec.ts.
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
// The direct-upload routes answer 404 unless storage is Vercel Blob: give them the deps they would have there
// (the local store stands in for Blob; no request here gets as far as signing a token).
vi.mock("@/lib/uploads/blob-direct", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/uploads/blob-direct")>();
  return {
    ...original,
    loadBlobDirectDeps: async () => ({
      db: world.db!,
      storage: world.storage!,
      maxUploadBytes: 1024 * 1024,
      token: "vercel_blob_rw_isolationstore_0123456789abcdefghijklmnopqrstuv",
      onQueued: async () => undefined,
    }),
  };
});

const routes = {
  "/api/calls": await import("@/app/api/calls/route"),
  "/api/calls/[id]": await import("@/app/api/calls/[id]/route"),
  "/api/calls/[id]/audio": await import("@/app/api/calls/[id]/audio/route"),
  "/api/calls/[id]/transcript": await import("@/app/api/calls/[id]/transcript/route"),
  "/api/calls/[id]/events": await import("@/app/api/calls/[id]/events/route"),
  "/api/calls/[id]/action-items": await import("@/app/api/calls/[id]/action-items/route"),
  "/api/calls/[id]/speakers": await import("@/app/api/calls/[id]/speakers/route"),
  "/api/calls/[id]/speakers/[speakerId]": await import("@/app/api/calls/[id]/speakers/[speakerId]/route"),
  "/api/calls/[id]/reanalyze": await import("@/app/api/calls/[id]/reanalyze/route"),
  "/api/calls/[id]/retry": await import("@/app/api/calls/[id]/retry/route"),
  "/api/action-items": await import("@/app/api/action-items/route"),
  "/api/action-items/[id]": await import("@/app/api/action-items/[id]/route"),
  "/api/uploads/[[...path]]": await import("@/app/api/uploads/[[...path]]/route"),
  "/api/uploads/blob": await import("@/app/api/uploads/blob/route"),
  "/api/uploads/blob/begin": await import("@/app/api/uploads/blob/begin/route"),
  "/api/uploads/blob/complete": await import("@/app/api/uploads/blob/complete/route"),
  "/api/voice-profile": await import("@/app/api/voice-profile/route"),
  "/api/voice-profile/consent": await import("@/app/api/voice-profile/consent/route"),
  "/api/voice-profile/apply": await import("@/app/api/voice-profile/apply/route"),
  "/api/tokens": await import("@/app/api/tokens/route"),
  "/api/search": await import("@/app/api/search/route"),
  "/api/tokens/[id]": await import("@/app/api/tokens/[id]/route"),
  "/api/webhooks": await import("@/app/api/webhooks/route"),
  "/api/admin/speech": await import("@/app/api/admin/speech/route"),
  "/api/admin/speech/models/[id]/download": await import("@/app/api/admin/speech/models/[id]/download/route"),
  "/api/admin/speech/models/[id]": await import("@/app/api/admin/speech/models/[id]/route"),
  "/api/webhooks/[id]": await import("@/app/api/webhooks/[id]/route"),
  "/api/webhooks/[id]/deliveries": await import("@/app/api/webhooks/[id]/deliveries/route"),
  "/api/webhooks/[id]/deliveries/[deliveryId]/retry": await import("@/app/api/webhooks/[id]/deliveries/[deliveryId]/retry/route"),
};

const BASE = "http://localhost";
/** A non-administrator on an administrators' route: 403, and nothing about the server in the answer. */
async function expectForbidden(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
}
const MISSING = "00000000-0000-4000-8000-000000000000";
type Method = (typeof HTTP_METHODS)[number];
type Handler = (request: Request, context: { params: Promise<Record<string, unknown>> }) => Promise<Response>;

/** Calls `METHOD route` (as the signed-in `world.user`) with the URL's params. */
function call(method: Method, route: keyof typeof routes, url: string, params: Record<string, unknown> = {}, init: { body?: BodyInit; headers?: Record<string, string> } = {}) {
  const handler = (routes[route] as unknown as Record<string, Handler>)[method];
  if (!handler) throw new Error(`${route} has no ${method}`);
  return handler(new Request(`${BASE}${url}`, { method, ...init }), { params: Promise.resolve(params) });
}
const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });

/** What Alice owns. */
interface Alice {
  user: User;
  call: CallRecord;
  failedCall: CallRecord;
  itemId: string;
  tusUploadId: string;
  blobCallId: string;
  tokenId: string;
  /** A webhook endpoint (its URL and secret are in SECRETS) and one delivery in its log. */
  endpointId: string;
  deliveryId: string;
}

interface Ctx {
  alice: Alice;
  bob: User;
}

/**
 * How Bob's request for Alice's object is checked:
 * - `probe`: `theirs` (Alice's object) must answer `status` with exactly the body `missing` (an id that does
 *   not exist) answers; `own` (Alice asking the same, when it is safe to ask twice) proves the probe aims at
 *   something real.
 * - `mine`: routes with no object id (lists, creation, the caller's own profile): the check says what Bob may
 *   see or change.
 * - `public`: not per user.
 */
type Case =
  | {
      probe: (ctx: Ctx, id: "theirs" | "missing") => Promise<Response>;
      status: number;
      own?: { status: number; contains?: (ctx: Ctx) => string };
    }
  | { mine: (ctx: Ctx) => Promise<void> }
  | { public: string };

const SECRETS = {
  title: "Alice secret merger call",
  contact: "Carol Confidential",
  transcript: "the acquisition price is forty two million",
  item: "Wire the escrow to Zurich",
  summary: "Alice plans the Zurich acquisition",
  embedding: "alice-voiceprint-embedding",
  webhookUrl: "https://alice-crm.example/secret-hook",
  webhookSecret: "whsec_YWxpY2VhbGljZWFsaWNlYWxpY2VhbGljZWFsaWNlYWxpY2U=",
};

const TRANSCRIPT: NormalizedTranscript = {
  version: 1,
  language: "en",
  durationSeconds: 30,
  quality: "standard",
  speakers: [
    { id: "A", label: "Speaker 1", role: "UNKNOWN", displayName: "Alice", confidence: null },
    { id: "B", label: "Speaker 2", role: "UNKNOWN", displayName: null, confidence: null },
  ],
  segments: [
    { id: "s0001", speakerId: "A", start: 1, end: 4, text: `I think ${SECRETS.transcript}`, words: [] },
    { id: "s0002", speakerId: "B", start: 5, end: 8, text: SECRETS.item, words: [] },
  ],
};

const tusHeaders = { "Tus-Resumable": "1.0.0" };
const meta = (fields: Record<string, string>) =>
  Object.entries(fields)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString("base64")}`)
    .join(",");
const idOf = (ctx: Ctx, id: "theirs" | "missing", pick: (alice: Alice) => string) => (id === "theirs" ? pick(ctx.alice) : MISSING);

/** A call-scoped probe: `METHOD /api/calls/<id><suffix>`. */
const onCall = (
  method: Method,
  route: keyof typeof routes,
  suffix: string,
  status: number,
  options: { init?: () => { body?: BodyInit; headers?: Record<string, string> }; pick?: (alice: Alice) => string; params?: Record<string, string>; own?: { status: number; contains?: (ctx: Ctx) => string } } = {},
): Case => ({
  probe: (ctx, which) => {
    const id = idOf(ctx, which, options.pick ?? ((alice) => alice.call.id));
    return call(method, route, `/api/calls/${id}${suffix}`, { id, ...options.params }, options.init?.() ?? {});
  },
  status,
  own: options.own,
});

let wav: Buffer;

const CASES: Record<string, Case> = {
  "GET /api/auth/[...nextauth]": { public: "Auth.js: CSRF token, providers, and the caller's own session (e2e/access-control.spec.ts)" },
  "POST /api/auth/[...nextauth]": { public: "Auth.js sign-in/out callbacks act on the caller's own cookies" },
  "GET /api/inngest": { public: "embedded mode: 404 for everyone (checked below and in e2e)" },
  "POST /api/inngest": { public: "embedded mode: 404 for everyone" },
  "PUT /api/inngest": { public: "embedded mode: 404 for everyone" },
  "GET /api/openapi.json": { public: "the API description: no user data (tests/tokens/openapi.test.ts)" },

  "GET /api/calls": {
    async mine({ alice }) {
      const everyStatus = "status=UPLOADING,QUEUED,PROCESSING,COMPLETED,FAILED";
      for (const query of ["", `?${everyStatus}`, `?${everyStatus}&q=${encodeURIComponent("secret merger")}`, `?q=${encodeURIComponent(SECRETS.contact)}`, "?limit=100", `?${everyStatus}&direction=UNKNOWN`]) {
        const response = await call("GET", "/api/calls", `/api/calls${query}`);
        expect(response.status, query).toBe(200);
        const text = await response.text();
        expectNoneOf(text, alice, query);
      }
    },
  },
  "POST /api/calls": {
    async mine({ alice, bob }) {
      const form = new FormData();
      form.append("title", "Bob's upload");
      form.append("file", new Blob([new Uint8Array(wav)]), "bob.wav");
      const response = await call("POST", "/api/calls", "/api/calls", {}, { body: form });
      expect(response.status).toBe(201);
      const { call: created } = (await response.json()) as { call: { id: string } };
      const [row] = await world.db!.select().from(callRecords).where(eq(callRecords.id, created.id));
      expect(row!.userId).toBe(bob.id);
      expect(row!.userId).not.toBe(alice.user.id);
    },
  },

  "GET /api/calls/[id]": onCall("GET", "/api/calls/[id]", "", 404, { own: { status: 200, contains: () => SECRETS.title } }),
  "PATCH /api/calls/[id]": onCall("PATCH", "/api/calls/[id]", "", 404, { init: () => json({ title: "Hijacked by Bob" }) }),
  "DELETE /api/calls/[id]": onCall("DELETE", "/api/calls/[id]", "", 404),
  "GET /api/calls/[id]/audio": onCall("GET", "/api/calls/[id]/audio", "/audio", 404, { own: { status: 200 } }),
  "HEAD /api/calls/[id]/audio": onCall("HEAD", "/api/calls/[id]/audio", "/audio", 404, { own: { status: 200 } }),
  "GET /api/calls/[id]/transcript": onCall("GET", "/api/calls/[id]/transcript", "/transcript?format=txt", 404, { own: { status: 200, contains: () => SECRETS.transcript } }),
  "GET /api/calls/[id]/events": onCall("GET", "/api/calls/[id]/events", "/events", 404, { own: { status: 200 } }),
  "GET /api/calls/[id]/action-items": onCall("GET", "/api/calls/[id]/action-items", "/action-items", 404, { own: { status: 200, contains: () => SECRETS.item } }),
  "POST /api/calls/[id]/action-items": onCall("POST", "/api/calls/[id]/action-items", "/action-items", 404, { init: () => json({ title: "Planted by Bob" }) }),
  "GET /api/calls/[id]/speakers": onCall("GET", "/api/calls/[id]/speakers", "/speakers", 404, { own: { status: 200 } }),
  "PATCH /api/calls/[id]/speakers": onCall("PATCH", "/api/calls/[id]/speakers", "/speakers", 404, {
    init: () => json({ edits: [{ speakerId: "A", displayName: "Hijacked" }] }),
  }),
  "PATCH /api/calls/[id]/speakers/[speakerId]": onCall("PATCH", "/api/calls/[id]/speakers/[speakerId]", "/speakers/A", 404, {
    params: { speakerId: "A" },
    init: () => json({ displayName: "Hijacked" }),
  }),
  "POST /api/calls/[id]/reanalyze": onCall("POST", "/api/calls/[id]/reanalyze", "/reanalyze", 404),
  "POST /api/calls/[id]/retry": onCall("POST", "/api/calls/[id]/retry", "/retry", 404, { pick: (alice) => alice.failedCall.id }),

  "GET /api/action-items": {
    async mine({ alice }) {
      for (const query of ["", "?status=all", "?status=all&owner=all", "?status=all&due=any", `?status=all&callId=${alice.call.id}`, "?status=all&format=csv", "?status=all&format=ics"]) {
        const response = await call("GET", "/api/action-items", `/api/action-items${query}`);
        expect(response.status, query).toBeLessThan(500);
        expectNoneOf(await response.text(), alice, query);
      }
    },
  },
  "PATCH /api/action-items/[id]": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.itemId);
      return call("PATCH", "/api/action-items/[id]", `/api/action-items/${id}`, { id }, json({ title: "Hijacked", status: "DONE" }));
    },
    status: 404,
  },
  "DELETE /api/action-items/[id]": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.itemId);
      return call("DELETE", "/api/action-items/[id]", `/api/action-items/${id}`, { id });
    },
    status: 404,
  },

  // tus: the upload id is the call id.
  "HEAD /api/uploads/[[...path]]": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.tusUploadId);
      return call("HEAD", "/api/uploads/[[...path]]", `/api/uploads/${id}`, { path: [id] }, { headers: tusHeaders });
    },
    status: 404,
    own: { status: 200 },
  },
  "PATCH /api/uploads/[[...path]]": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.tusUploadId);
      return call("PATCH", "/api/uploads/[[...path]]", `/api/uploads/${id}`, { path: [id] }, {
        headers: { ...tusHeaders, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
        body: new Uint8Array(wav.subarray(0, 100)),
      });
    },
    status: 404,
  },
  "DELETE /api/uploads/[[...path]]": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.tusUploadId);
      return call("DELETE", "/api/uploads/[[...path]]", `/api/uploads/${id}`, { path: [id] }, { headers: tusHeaders });
    },
    status: 404,
  },
  "GET /api/uploads/[[...path]]": {
    // tus has no GET of an upload: whatever it answers must not tell Bob that Alice's upload exists.
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.tusUploadId);
      return call("GET", "/api/uploads/[[...path]]", `/api/uploads/${id}`, { path: [id] }, { headers: tusHeaders });
    },
    status: 404,
  },
  "OPTIONS /api/uploads/[[...path]]": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.tusUploadId);
      return call("OPTIONS", "/api/uploads/[[...path]]", `/api/uploads/${id}`, { path: [id] }, { headers: tusHeaders });
    },
    status: 204,
  },
  "POST /api/uploads/[[...path]]": {
    async mine({ alice, bob }) {
      const response = await call("POST", "/api/uploads/[[...path]]", "/api/uploads", {}, {
        headers: { ...tusHeaders, "Upload-Length": String(wav.byteLength), "Upload-Metadata": meta({ filename: "bob.wav" }) },
      });
      expect(response.status).toBe(201);
      const id = response.headers.get("location")!.split("/").pop()!;
      expect(id).not.toBe(alice.tusUploadId);
      const [row] = await world.db!.select().from(callRecords).where(eq(callRecords.id, id));
      expect(row!.userId).toBe(bob.id);
    },
  },

  "POST /api/uploads/blob": {
    // A client token for Alice's upload: for her key (403 whether or not the call exists: the key is not
    // Bob's) and for Bob's key with her call id (404, like a call that does not exist).
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.blobCallId);
      return call("POST", "/api/uploads/blob", "/api/uploads/blob", {}, json({
        type: "blob.generate-client-token",
        payload: { pathname: originalAudioKey(ctx.alice.user.id, id, "wav"), multipart: false, clientPayload: id },
      }));
    },
    status: 403,
  },
  "POST /api/uploads/blob (Bob's key, Alice's call)": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.blobCallId);
      return call("POST", "/api/uploads/blob", "/api/uploads/blob", {}, json({
        type: "blob.generate-client-token",
        payload: { pathname: originalAudioKey(ctx.bob.id, id, "wav"), multipart: false, clientPayload: id },
      }));
    },
    status: 404,
  },
  "POST /api/uploads/blob/begin": {
    async mine({ bob }) {
      const response = await call("POST", "/api/uploads/blob/begin", "/api/uploads/blob/begin", {}, json({ filename: "bob.wav", size: 1000, extension: "wav" }));
      expect(response.status).toBe(201);
      const body = (await response.json()) as { callId: string; pathname: string };
      const [row] = await world.db!.select().from(callRecords).where(eq(callRecords.id, body.callId));
      expect(row!.userId).toBe(bob.id);
      expect(body.pathname).toContain(bob.id);
    },
  },
  "POST /api/uploads/blob/complete": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.blobCallId);
      return call("POST", "/api/uploads/blob/complete", "/api/uploads/blob/complete", {}, json({ callId: id, size: wav.byteLength, pathname: originalAudioKey(ctx.alice.user.id, id, "wav") }));
    },
    status: 404,
  },

  // Settings → Speech: not per user but for administrators only; Bob is none (tests/speech-setup/access.test.ts).
  "GET /api/admin/speech": { mine: async () => expectForbidden(await call("GET", "/api/admin/speech", "/api/admin/speech")) },
  "POST /api/admin/speech/models/[id]/download": {
    mine: async () => expectForbidden(await call("POST", "/api/admin/speech/models/[id]/download", "/api/admin/speech/models/whisper-base.en/download", { id: "whisper-base.en" })),
  },
  "DELETE /api/admin/speech/models/[id]/download": {
    mine: async () => expectForbidden(await call("DELETE", "/api/admin/speech/models/[id]/download", "/api/admin/speech/models/whisper-base.en/download", { id: "whisper-base.en" })),
  },
  "DELETE /api/admin/speech/models/[id]": {
    mine: async () => expectForbidden(await call("DELETE", "/api/admin/speech/models/[id]", "/api/admin/speech/models/whisper-base.en", { id: "whisper-base.en" })),
  },

  // Webhooks (tests/webhooks/ covers them in depth; here: the session of another user).
  "GET /api/webhooks": {
    async mine({ alice }) {
      const response = await call("GET", "/api/webhooks", "/api/webhooks");
      expect(response.status).toBe(200);
      expectNoneOf(await response.text(), alice, "webhooks");
    },
  },
  "POST /api/webhooks": {
    async mine({ alice, bob }) {
      const response = await call("POST", "/api/webhooks", "/api/webhooks", {}, json({ url: "https://93.184.216.34/bob-hook", events: ["call.completed"] }));
      expect(response.status).toBe(201);
      const text = await response.text();
      expectNoneOf(text, alice, "new webhook");
      const { endpoint } = JSON.parse(text) as { endpoint: { id: string } };
      const [row] = await world.db!.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id));
      expect(row!.userId).toBe(bob.id);
    },
  },
  "PATCH /api/webhooks/[id]": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.endpointId);
      return call("PATCH", "/api/webhooks/[id]", `/api/webhooks/${id}`, { id }, json({ url: "https://93.184.216.34/hijacked", active: true }));
    },
    status: 404,
  },
  "DELETE /api/webhooks/[id]": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.endpointId);
      return call("DELETE", "/api/webhooks/[id]", `/api/webhooks/${id}`, { id });
    },
    status: 404,
  },
  "GET /api/webhooks/[id]/deliveries": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.endpointId);
      return call("GET", "/api/webhooks/[id]/deliveries", `/api/webhooks/${id}/deliveries`, { id });
    },
    status: 404,
    own: { status: 200, contains: (ctx) => ctx.alice.deliveryId },
  },
  "POST /api/webhooks/[id]/deliveries/[deliveryId]/retry": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.endpointId);
      const deliveryId = idOf(ctx, which, (alice) => alice.deliveryId);
      return call("POST", "/api/webhooks/[id]/deliveries/[deliveryId]/retry", `/api/webhooks/${id}/deliveries/${deliveryId}/retry`, { id, deliveryId });
    },
    status: 404,
  },
  "POST /api/webhooks/[id]/deliveries/[deliveryId]/retry (Bob's endpoint, Alice's delivery)": {
    probe: async (ctx, which) => {
      const [bobs] = await world.db!.select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, ctx.bob.id));
      const deliveryId = idOf(ctx, which, (alice) => alice.deliveryId);
      return call("POST", "/api/webhooks/[id]/deliveries/[deliveryId]/retry", `/api/webhooks/${bobs!.id}/deliveries/${deliveryId}/retry`, { id: bobs!.id, deliveryId });
    },
    status: 404,
  },

  // API tokens (tests/tokens/ covers them with real tokens; here: the session of another user).
  "GET /api/tokens": {
    async mine({ alice }) {
      const response = await call("GET", "/api/tokens", "/api/tokens");
      expect(response.status).toBe(200);
      expectNoneOf(await response.text(), alice, "tokens");
    },
  },
  "POST /api/tokens": {
    async mine({ bob }) {
      const response = await call("POST", "/api/tokens", "/api/tokens", {}, json({ name: "Bob's script", scope: "read" }));
      expect(response.status).toBe(201);
      const { apiToken } = (await response.json()) as { apiToken: { id: string } };
      const [row] = await world.db!.select().from(apiTokens).where(eq(apiTokens.id, apiToken.id));
      expect(row!.userId).toBe(bob.id);
    },
  },
  "DELETE /api/tokens/[id]": {
    probe: (ctx, which) => {
      const id = idOf(ctx, which, (alice) => alice.tokenId);
      return call("DELETE", "/api/tokens/[id]", `/api/tokens/${id}`, { id });
    },
    status: 404,
  },

  "GET /api/search": {
    async mine({ alice }) {
      // Alice's transcript and summary in the index (her action item is there through the trigger): she finds
      // them, Bob — searching her very words — finds nothing of hers.
      const { indexSummary, indexTranscript } = await import("@/lib/search/indexer");
      const ref = { userId: alice.user.id, callId: alice.call.id };
      await indexTranscript(world.db!, ref, TRANSCRIPT);
      await indexSummary(world.db!, ref, SECRETS.summary);
      const queries = ["acquisition", "Zurich", "escrow", `"forty two million"`, "acquisition or escrow or zurich", "price -nothing"];
      const bob = world.user;
      world.user = alice.user;
      try {
        const own = await (await call("GET", "/api/search", `/api/search?q=${encodeURIComponent(queries[4]!)}`)).text();
        for (const secret of [SECRETS.transcript, SECRETS.item, SECRETS.summary, alice.call.id]) expect(own).toContain(secret);
      } finally {
        world.user = bob;
      }
      for (const query of queries) {
        const response = await call("GET", "/api/search", `/api/search?q=${encodeURIComponent(query)}`);
        expect(response.status, query).toBe(200);
        expectNoneOf(await response.text(), alice, `search ${query}`);
      }
    },
  },

  "GET /api/voice-profile": {
    async mine({ alice }) {
      const response = await call("GET", "/api/voice-profile", "/api/voice-profile");
      expect(response.status).toBe(200);
      const text = await response.text();
      const state = JSON.parse(text) as { consent: { current: boolean; consentedVersion: string | null }; profile: unknown };
      // Alice has consented and has a profile; Bob has neither.
      expect(state.consent).toMatchObject({ current: false, consentedVersion: null });
      expect(state.profile).toBeNull();
      expectNoneOf(text, alice, "voice profile");
    },
  },
  "POST /api/voice-profile": {
    async mine() {
      // Alice's consent is not Bob's: without his own, his sample is refused and nothing is stored.
      const form = new FormData();
      form.append("sample", new Blob([new Uint8Array(wav)]), "sample.wav");
      const response = await call("POST", "/api/voice-profile", "/api/voice-profile", {}, { body: form });
      expect(response.status).toBe(409);
    },
  },
  "DELETE /api/voice-profile": {
    async mine() {
      // Bob deletes his own (absent) profile; Alice's stays (checked by the snapshot).
      expect((await call("DELETE", "/api/voice-profile", "/api/voice-profile")).status).toBe(204);
    },
  },
  "POST /api/voice-profile/consent": {
    async mine({ alice }) {
      const version = ((await (await call("GET", "/api/voice-profile", "/api/voice-profile")).json()) as { consent: { currentVersion: string } }).consent.currentVersion;
      // Bob's consent is recorded on Bob only (Alice's row is in the snapshot).
      const response = await call("POST", "/api/voice-profile/consent", "/api/voice-profile/consent", {}, json({ version }));
      expect(response.status).toBe(200);
      expectNoneOf(await response.text(), alice, "consent");
    },
  },
  "POST /api/voice-profile/apply": {
    async mine() {
      // Bob has no profile: Alice's is never used for him.
      const response = await call("POST", "/api/voice-profile/apply", "/api/voice-profile/apply");
      expect(response.status).toBe(409);
    },
  },
};

/** The response text mentions nothing of Alice's (her ids, titles, words, items, voiceprint). */
function expectNoneOf(text: string, alice: Alice, label: string) {
  for (const secret of [...Object.values(SECRETS), alice.user.id, alice.call.id, alice.failedCall.id, alice.itemId, alice.tusUploadId, alice.blobCallId, alice.tokenId, alice.endpointId, alice.deliveryId]) {
    expect(text, `${label}: leaks ${secret}`).not.toContain(secret);
  }
}

async function filesUnder(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
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
      else out[path.relative(dir, full)] = createHash("sha256").update(await fs.readFile(full)).digest("hex");
    }
  };
  await walk(dir);
  return out;
}

describe.each(databaseKinds())("two users × every route on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let ctx: Ctx;

  /** Every row and stored byte of Alice's. */
  const aliceState = async () => {
    const db = t.db;
    const id = ctx.alice.user.id;
    const callIds = (await db.select({ id: callRecords.id }).from(callRecords).where(eq(callRecords.userId, id))).map((row) => row.id);
    const sortById = <T extends { id: string }>(rows: T[]) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
    const artifacts = [];
    const items = [];
    const events = [];
    for (const callId of callIds) {
      artifacts.push(...(await db.select().from(callArtifacts).where(eq(callArtifacts.callId, callId))));
      items.push(...(await db.select().from(actionItems).where(eq(actionItems.callRecordId, callId))));
      events.push(...(await db.select().from(callProcessingEvents).where(eq(callProcessingEvents.callId, callId))));
    }
    return {
      user: await db.select().from(users).where(eq(users.id, id)),
      calls: sortById(await db.select().from(callRecords).where(eq(callRecords.userId, id))),
      artifacts: sortById(artifacts),
      items: sortById(items),
      events: sortById(events),
      profile: await db.select().from(userVoiceProfiles).where(eq(userVoiceProfiles.userId, id)),
      tokens: await db.select().from(apiTokens).where(eq(apiTokens.userId, id)),
      webhookEndpoints: await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, id)),
      webhookDeliveries: await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.userId, id)),
      objects: await filesUnder(path.join(root, "blob", "users", id)),
      spool: Object.keys(await filesUnder(path.join(world.dataDir))).filter((file) => file.includes(ctx.alice.tusUploadId)),
    };
  };

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-isolation-"));
    world.dataDir = path.join(root, "data");
    world.db = t.db;
    world.storage = createLocalStorage(path.join(root, "blob"));
    // getPipelineDeps() (voice-profile routes) keeps its deps on globalThis: rebuild them for this database.
    delete (globalThis as { __scryonPipelineDeps?: unknown }).__scryonPipelineDeps;
    wav = await fs.readFile(await makeAudio("wav"));
    const deps = { db: t.db, storage: world.storage };

    const aliceUser = await upsertUserByExternalId(t.db, { externalUserId: `isolation-alice-${kind}`, displayName: "Alice" });
    const bob = await upsertUserByExternalId(t.db, { externalUserId: `isolation-bob-${kind}`, displayName: "Bob" });

    // A processed call: audio, transcript, analysis, events, an action item.
    let processed = await createCall(t.db, aliceUser.id, { title: SECRETS.title, contactName: SECRETS.contact });
    const audioKey = originalAudioKey(aliceUser.id, processed.id, "wav");
    const stored = await world.storage.put(audioKey, wav, { contentType: "audio/wav" });
    await insertArtifact(t.db, { callId: processed.id, artifactType: "TEMP_AUDIO", storageKey: audioKey, contentType: "audio/wav", byteSize: stored.size });
    await saveJsonArtifact(deps, { userId: aliceUser.id, callId: processed.id, type: "NORMALIZED_TRANSCRIPT_JSON", key: transcriptNormalizedKey(aliceUser.id, processed.id), value: TRANSCRIPT });
    await saveJsonArtifact(deps, {
      userId: aliceUser.id,
      callId: processed.id,
      type: "ANALYSIS_JSON",
      key: analysisKey(aliceUser.id, processed.id),
      value: { version: 1, provider: "local", model: "rules-v1", createdAt: new Date().toISOString(), summary: SECRETS.summary, actionItems: [] },
    });
    processed = await transitionCallStatus(t.db, { callId: processed.id, from: "UPLOADING", to: "QUEUED" });
    processed = await transitionCallStatus(t.db, { callId: processed.id, from: "QUEUED", to: "PROCESSING" });
    await insertProcessingEvent(t.db, { callId: processed.id, userId: aliceUser.id, stage: "TRANSCRIPTION", status: "COMPLETED", provider: "local", durationMs: 1000 });
    processed = await transitionCallStatus(t.db, { callId: processed.id, from: "PROCESSING", to: "COMPLETED" });
    await replaceGeneratedActionItems(t.db, {
      callId: processed.id,
      items: [{ title: SECRETS.item, dueDate: "2030-03-06", priority: "high", sourceSegmentIdsJson: ["s0002"], sourceText: SECRETS.item, ownerSpeakerId: "A", ownerSpeakerLabel: "Speaker 1", ownerRole: "UNKNOWN" }],
    });
    const [item] = await t.db.select().from(actionItems).where(eq(actionItems.callRecordId, processed.id));

    // A failed call (retry).
    let failed = await createCall(t.db, aliceUser.id, { title: `${SECRETS.title} (failed)` });
    failed = await transitionCallStatus(t.db, { callId: failed.id, from: "UPLOADING", to: "QUEUED" });
    failed = await transitionCallStatus(t.db, { callId: failed.id, from: "QUEUED", to: "PROCESSING" });
    failed = await transitionCallStatus(t.db, { callId: failed.id, from: "PROCESSING", to: "FAILED", errorReason: "TRANSCRIPTION_FAILED" });

    // A tus upload in progress, half sent, and a direct Blob upload begun.
    world.user = aliceUser;
    const created = await call("POST", "/api/uploads/[[...path]]", "/api/uploads", {}, {
      headers: { ...tusHeaders, "Upload-Length": String(wav.byteLength), "Upload-Metadata": meta({ filename: "alice.wav", title: SECRETS.title }) },
    });
    expect(created.status).toBe(201);
    const tusUploadId = created.headers.get("location")!.split("/").pop()!;
    const half = await call("PATCH", "/api/uploads/[[...path]]", `/api/uploads/${tusUploadId}`, { path: [tusUploadId] }, {
      headers: { ...tusHeaders, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
      body: new Uint8Array(wav.subarray(0, 1000)),
    });
    expect(half.status).toBe(204);
    const begun = await call("POST", "/api/uploads/blob/begin", "/api/uploads/blob/begin", {}, json({ filename: "alice.wav", size: wav.byteLength, extension: "wav", title: SECRETS.title }));
    expect(begun.status).toBe(201);
    const blobCallId = ((await begun.json()) as { callId: string }).callId;

    // Consent and a voice profile.
    const version = ((await (await call("GET", "/api/voice-profile", "/api/voice-profile")).json()) as { consent: { currentVersion: string } }).consent.currentVersion;
    const consentedAt = new Date();
    await recordVoiceConsent(t.db, { userId: aliceUser.id, version, at: consentedAt });
    await t.db.insert(userVoiceProfiles).values({
      userId: aliceUser.id,
      provider: "local",
      model: "scryon-test",
      embeddingJson: { vector: [0.1, 0.2], note: SECRETS.embedding },
      consentVersion: version,
      consentedAt,
      sampleDurationSeconds: 12,
    });

    const generated = generateApiToken();
    const aliceToken = await insertApiToken(t.db, {
      userId: aliceUser.id,
      name: "Alice's CRM sync",
      scope: "write",
      tokenHash: generated.tokenHash,
      displayPrefix: generated.displayPrefix,
      lastFour: generated.lastFour,
    });

    // A webhook endpoint with a failed delivery in its log (a "send again" would make it pending).
    const [endpoint] = await t.db
      .insert(webhookEndpoints)
      .values({ userId: aliceUser.id, url: SECRETS.webhookUrl, events: ["call.completed"], secret: SECRETS.webhookSecret, description: "Alice's CRM" })
      .returning();
    const [delivery] = await t.db
      .insert(webhookDeliveries)
      .values({ endpointId: endpoint!.id, userId: aliceUser.id, eventType: "call.completed", msgId: "msg_alicesecretdelivery", payload: { type: "call.completed", data: { title: SECRETS.title } }, status: "failed", attempts: 1, lastStatusCode: 500 })
      .returning();
    // Bob has an endpoint of his own, to aim his "send again" at Alice's delivery through it.
    await t.db.insert(webhookEndpoints).values({ userId: bob.id, url: "https://93.184.216.34/bob", events: ["call.completed"], secret: "whsec_Ym9iYm9iYm9iYm9iYm9iYm9iYm9iYm9iYm9iYm9iYm9i" });

    ctx = { alice: { user: aliceUser, call: processed, failedCall: failed, itemId: item!.id, tusUploadId, blobCallId, tokenId: aliceToken.id, endpointId: endpoint!.id, deliveryId: delivery!.id }, bob };
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it(`every route × method in app/api has a case (${discoverRouteMethods().length} route × method pairs), and no case is stale`, () => {
    const discovered = discoverRouteMethods();
    const covered = new Set(Object.keys(CASES).map((key) => key.replace(/ \(.*\)$/, "")));
    expect(discovered.filter((key) => !covered.has(key)), "add a case to tests/api/isolation.test.ts for each of these").toEqual([]);
    expect([...covered].filter((key) => !discovered.includes(key)), "these cases name no route × method").toEqual([]);
  });

  it("Alice's probes reach her objects (so Bob's 404s mean something)", async () => {
    world.user = ctx.alice.user;
    for (const [name, entry] of Object.entries(CASES)) {
      if (!("probe" in entry) || !entry.own) continue;
      const response = await entry.probe(ctx, "theirs");
      expect(response.status, name).toBe(entry.own.status);
      if (entry.own.contains) expect(await response.text(), name).toContain(entry.own.contains(ctx));
    }
  });

  const probes = Object.entries(CASES).filter((entry): entry is [string, Extract<Case, { probe: unknown }>] => "probe" in entry[1]);
  const mine = Object.entries(CASES).filter((entry): entry is [string, Extract<Case, { mine: unknown }>] => "mine" in entry[1]);

  it(`Bob asking for Alice's objects gets what he gets for a missing id, on ${probes.length} route × method probes; ${mine.length} list/creation/own-profile checks see only his; Alice's rows and bytes are untouched`, async () => {
    const before = await aliceState();
    world.user = ctx.bob;
    for (const [name, entry] of probes) {
      const missing = await entry.probe(ctx, "missing");
      const theirs = await entry.probe(ctx, "theirs");
      expect(theirs.status, name).toBe(entry.status);
      expect(theirs.status, `${name}: same status as a missing id`).toBe(missing.status);
      const [theirsText, missingText] = [await theirs.text(), await missing.text()];
      expect(theirsText, `${name}: body differs from a missing id's`).toBe(missingText);
      expectNoneOf(theirsText, ctx.alice, name);
    }
    for (const [name, entry] of mine) {
      world.user = ctx.bob;
      try {
        await entry.mine(ctx);
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    }
    expect(await aliceState()).toEqual(before);
  });

  it("the Inngest endpoint answers 404 to everyone in embedded mode", async () => {
    const inngest = await import("@/app/api/inngest/route");
    for (const user of [null, ctx.alice.user, ctx.bob]) {
      world.user = user;
      for (const method of ["GET", "POST", "PUT"] as const) {
        const handler = inngest[method] as unknown as (request: Request, context: unknown) => Promise<Response>;
        expect((await handler(new Request(`${BASE}/api/inngest`, { method, ...(method === "GET" ? {} : { body: "{}" }) }), {})).status).toBe(404);
      }
    }
  });
});
