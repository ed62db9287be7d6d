import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import type { User } from "@/db/schema";
import { createLocalStorage, originalAudioKey, type ObjectStorage } from "@/lib/storage";
import { discoverRouteMethodList, type RouteMethod } from "../helpers/api-routes";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { makeAudio } from "../helpers/make-audio";
import { makeOwner, ownerState, TUS_HEADERS, tusMetadata, type Owner } from "./fixture";

/**
 * Every route × method in app/api with real API tokens (issue 16), through the real requireUser() (only the
 * Auth.js session behind the cookie path is stood in for): a read token reads exactly what the session reads
 * and is refused every write with 403 and nothing changed; a write token gets the session's answer on
 * every route; a revoked, unknown or malformed token is 401 everywhere; another user's token sees Alice's
 * objects exactly as ids that do not exist. Routes are found by enumerating app/api (a new route without a
 * case here fails the first test), and called directly with a Request on PGlite and PostgreSQL.
 */

const world = vi.hoisted(() => ({
  session: null as { user: { id: string }; sessionVersion: number } | null,
  db: null as Database | null,
  storage: null as ObjectStorage | null,
  dataDir: "",
}));

vi.mock("@/auth", () => ({ auth: async () => world.session }));
vi.mock("@/db", () => ({ getDb: async () => world.db }));
vi.mock("@/lib/storage", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/storage")>()),
  getStorage: () => world.storage,
}));
vi.mock("@/inngest/client", () => ({ getInngest: () => ({ send: async () => ({ ids: [] }) }) }));
vi.mock("@/lib/env", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/env")>();
  return {
    ...original,
    // Firebase configured: the fixture's users are Firebase users, whose sessions and tokens need it on.
    loadEnv: () => original.parseEnv({ SCRYON_DATA_DIR: world.dataDir, SCRYON_MAX_UPLOAD_BYTES: String(1024 * 1024), FIREBASE_PROJECT_ID: "scryon-test", FIREBASE_API_KEY: "key" }),
  };
});
vi.mock("@/lib/uploads/blob-direct", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/uploads/blob-direct")>();
  return {
    ...original,
    loadBlobDirectDeps: async () => ({
      db: world.db!,
      storage: world.storage!,
      maxUploadBytes: 1024 * 1024,
      token: "vercel_blob_rw_tokentests_0123456789abcdefghijklmnopqrstuvwxyz",
      callbackUrl: "http://localhost/api/uploads/blob",
      onQueued: async () => undefined,
    }),
  };
});

const BASE = "http://localhost";
const MISSING = "00000000-0000-4000-8000-000000000000";
/** Not per user, no credentials asked (tests/api/isolation.test.ts says why for each). */
const PUBLIC = new Set(["GET /api/auth/[...nextauth]", "POST /api/auth/[...nextauth]", "GET /api/inngest", "POST /api/inngest", "PUT /api/inngest", "GET /api/openapi.json"]);
/** Token management: session only (tests/tokens/token-management.test.ts). */
const SESSION_ONLY = new Set([
  "GET /api/tokens",
  "POST /api/tokens",
  "DELETE /api/tokens/[id]",
  // Settings → Speech, administrators only (tests/speech-setup/access.test.ts: a token is refused there too).
  "GET /api/admin/speech",
  "POST /api/admin/speech/models/[id]/download",
  "DELETE /api/admin/speech/models/[id]/download",
  "DELETE /api/admin/speech/models/[id]",
]);

type Handler = (request: Request, context: { params: Promise<Record<string, unknown>> }) => Promise<Response>;
type Init = { body?: BodyInit; headers?: Record<string, string> };
const modules = new Map<string, Record<string, Handler>>();

async function handlerOf(file: string, method: string): Promise<Handler> {
  let loaded = modules.get(file);
  if (!loaded) {
    loaded = (await import(path.resolve(file))) as Record<string, Handler>;
    modules.set(file, loaded);
  }
  const handler = loaded[method];
  if (!handler) throw new Error(`${file} has no ${method}`);
  return handler;
}

/** Every answer a test got, to check that no token ever comes back. */
const answers: string[] = [];

async function send(method: string, file: string, url: string, params: Record<string, unknown> = {}, init: Init & { token?: string } = {}): Promise<Response> {
  const headers = { ...init.headers, ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}) };
  const handler = await handlerOf(file, method);
  const response = await handler(new Request(`${BASE}${url}`, { method, body: init.body, headers }), { params: Promise.resolve(params) });
  const text = await response.clone().text();
  answers.push(`${[...response.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${text}`);
  return response;
}

const asSession = (user: User | null) => {
  world.session = user ? { user: { id: user.id }, sessionVersion: user.sessionVersion } : null;
};

/** A request aimed at the owner's object, or (`missing`) at an id that does not exist. */
interface Built {
  url: string;
  params?: Record<string, unknown>;
  init?: Init;
}
interface Case {
  build: (owner: Owner, target: "own" | "missing") => Built;
  /** "list": no object id in the request (lists, creation, the caller's own profile): another user's answer must not show the owner's things. */
  kind?: "list";
  /** Routes that need a write token even to read (webhooks: their answers carry signing secrets). */
  writeOnly?: true;
  /** What the owner's own session gets when it is not a success (tus has no GET of an upload). */
  ownStatus?: number;
}

let wav: Buffer;
const json = (body: unknown): Init => ({ body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
const pick = (target: "own" | "missing", own: string) => (target === "own" ? own : MISSING);
const onCall = (suffix: string, init?: () => Init, extraParams: Record<string, string> = {}, which: "call" | "failedCall" = "call"): Case => ({
  build: (owner, target) => {
    const id = pick(target, owner[which].id);
    return { url: `/api/calls/${id}${suffix}`, params: { id, ...extraParams }, init: init?.() };
  },
});
const onTus = (method: "HEAD" | "PATCH" | "DELETE" | "GET" | "OPTIONS"): Case => ({
  build: (owner, target) => {
    const id = pick(target, owner.tusUploadId);
    const init: Init =
      method === "PATCH"
        ? { headers: { ...TUS_HEADERS, "Upload-Offset": "1000", "Content-Type": "application/offset+octet-stream" }, body: new Uint8Array(wav.subarray(1000, 1100)) }
        : { headers: TUS_HEADERS };
    return { url: `/api/uploads/${id}`, params: { path: [id] }, init };
  },
});
const form = (field: string, name: string) => {
  const data = new FormData();
  data.append("title", "Uploaded with a token");
  data.append(field, new Blob([new Uint8Array(wav)]), name);
  return { body: data };
};

const CASES: Record<string, Case> = {
  "GET /api/calls": { kind: "list", build: () => ({ url: "/api/calls?status=UPLOADING,QUEUED,PROCESSING,COMPLETED,FAILED" }) },
  "POST /api/calls": { kind: "list", build: () => ({ url: "/api/calls", init: form("file", "call.wav") }) },
  "GET /api/calls/[id]": onCall(""),
  "PATCH /api/calls/[id]": onCall("", () => json({ title: "Renamed by a script" })),
  "DELETE /api/calls/[id]": onCall(""),
  "GET /api/calls/[id]/audio": onCall("/audio"),
  "HEAD /api/calls/[id]/audio": onCall("/audio"),
  "GET /api/calls/[id]/transcript": onCall("/transcript?format=txt"),
  "GET /api/calls/[id]/events": onCall("/events"),
  "GET /api/calls/[id]/action-items": onCall("/action-items"),
  "POST /api/calls/[id]/action-items": onCall("/action-items", () => json({ title: "Added by a script" })),
  "GET /api/calls/[id]/speakers": onCall("/speakers"),
  "PATCH /api/calls/[id]/speakers": onCall("/speakers", () => json({ edits: [{ speakerId: "A", displayName: "Renamed" }] })),
  "PATCH /api/calls/[id]/speakers/[speakerId]": onCall("/speakers/A", () => json({ displayName: "Renamed" }), { speakerId: "A" }),
  "POST /api/calls/[id]/reanalyze": onCall("/reanalyze"),
  "POST /api/calls/[id]/retry": onCall("/retry", undefined, {}, "failedCall"),
  "GET /api/action-items": { kind: "list", build: () => ({ url: "/api/action-items?status=all&owner=all" }) },
  "PATCH /api/action-items/[id]": {
    build: (owner, target) => {
      const id = pick(target, owner.itemId);
      return { url: `/api/action-items/${id}`, params: { id }, init: json({ status: "DONE" }) };
    },
  },
  "DELETE /api/action-items/[id]": {
    build: (owner, target) => {
      const id = pick(target, owner.itemId);
      return { url: `/api/action-items/${id}`, params: { id } };
    },
  },
  "POST /api/uploads/[[...path]]": {
    kind: "list",
    build: () => ({ url: "/api/uploads", init: { headers: { ...TUS_HEADERS, "Upload-Length": String(wav.byteLength), "Upload-Metadata": tusMetadata({ filename: "script.wav" }) } } }),
  },
  "HEAD /api/uploads/[[...path]]": onTus("HEAD"),
  "PATCH /api/uploads/[[...path]]": onTus("PATCH"),
  "DELETE /api/uploads/[[...path]]": onTus("DELETE"),
  "GET /api/uploads/[[...path]]": { ...onTus("GET"), ownStatus: 404 },
  // The server's tus capabilities: the same for everyone.
  "OPTIONS /api/uploads/[[...path]]": { ...onTus("OPTIONS"), kind: "list" },
  "POST /api/uploads/blob": {
    build: (owner, target) => {
      const id = pick(target, owner.blobCallId);
      return { url: "/api/uploads/blob", init: json({ type: "blob.generate-client-token", payload: { pathname: originalAudioKey(owner.user.id, id, "wav"), multipart: false, clientPayload: id } }) };
    },
  },
  "POST /api/uploads/blob/begin": { kind: "list", build: () => ({ url: "/api/uploads/blob/begin", init: json({ filename: "script.wav", size: 1000, extension: "wav" }) }) },
  "POST /api/uploads/blob/complete": {
    build: (owner, target) => {
      const id = pick(target, owner.blobCallId);
      return { url: "/api/uploads/blob/complete", init: json({ callId: id, size: wav.byteLength, pathname: originalAudioKey(owner.user.id, id, "wav") }) };
    },
  },
  "GET /api/search": { kind: "list", build: () => ({ url: `/api/search?q=${encodeURIComponent("secret item")}` }) },

  // Webhooks need a write token even to read: their answers carry signing secrets.
  "GET /api/webhooks": { kind: "list", writeOnly: true, build: () => ({ url: "/api/webhooks" }) },
  "POST /api/webhooks": { kind: "list", build: () => ({ url: "/api/webhooks", init: json({ url: "https://93.184.216.34/hooks/by-a-script", events: ["call.failed"] }) }) },
  "PATCH /api/webhooks/[id]": {
    build: (owner, target) => {
      const id = pick(target, owner.webhookId);
      return { url: `/api/webhooks/${id}`, params: { id }, init: json({ active: false }) };
    },
  },
  "DELETE /api/webhooks/[id]": {
    build: (owner, target) => {
      const id = pick(target, owner.webhookId);
      return { url: `/api/webhooks/${id}`, params: { id } };
    },
  },
  "GET /api/webhooks/[id]/deliveries": {
    writeOnly: true,
    build: (owner, target) => {
      const id = pick(target, owner.webhookId);
      return { url: `/api/webhooks/${id}/deliveries`, params: { id } };
    },
  },
  "POST /api/webhooks/[id]/deliveries/[deliveryId]/retry": {
    build: (owner, target) => {
      const [id, deliveryId] = [pick(target, owner.webhookId), pick(target, owner.deliveryId)];
      return { url: `/api/webhooks/${id}/deliveries/${deliveryId}/retry`, params: { id, deliveryId } };
    },
  },

  "GET /api/voice-profile": { kind: "list", build: () => ({ url: "/api/voice-profile" }) },
  "POST /api/voice-profile": { kind: "list", build: () => ({ url: "/api/voice-profile", init: form("sample", "sample.wav") }) },
  "DELETE /api/voice-profile": { kind: "list", build: () => ({ url: "/api/voice-profile" }) },
  "POST /api/voice-profile/consent": { kind: "list", build: () => ({ url: "/api/voice-profile/consent", init: json({ version: "2026-11-01" }) }) },
  "POST /api/voice-profile/apply": { kind: "list", build: () => ({ url: "/api/voice-profile/apply" }) },
};

/** A body can be sent once: FormData and bytes are rebuilt per request. */
const cloneBody = (body: BodyInit | undefined): BodyInit | undefined => (body instanceof Uint8Array ? new Uint8Array(body) : body);
const isRead = (method: string) => method === "GET" || method === "HEAD" || method === "OPTIONS";
const unauthenticatedBody = (text: string) => (JSON.parse(text) as { error: { code: string } }).error.code;

describe.each(databaseKinds())("API tokens × every route on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let alice: Owner;
  let bob: Owner;
  const routes = discoverRouteMethodList();
  const tokenRoutes = routes.filter((route) => !PUBLIC.has(route.key));
  const matrix = tokenRoutes.filter((route) => !SESSION_ONLY.has(route.key));
  // The behaviour tests run the routes that have a case; the first test fails for those without one.
  const covered = matrix.filter((route) => CASES[route.key]);
  const entry = (route: RouteMethod) => {
    const found = CASES[route.key];
    if (!found) throw new Error(`no case for ${route.key}`);
    return found;
  };
  const run = (route: RouteMethod, owner: Owner, target: "own" | "missing", token?: string) => {
    const built = entry(route).build(owner, target);
    return send(route.method, route.file, built.url, built.params, { ...built.init, token });
  };
  const newOwner = (label: string) => makeOwner({ db: t.db, storage: world.storage!, wav, label, call: (m, f, u, p, i) => send(m, f, u, p, i), asSession });

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-tokens-"));
    world.dataDir = path.join(root, "data");
    world.db = t.db;
    world.storage = createLocalStorage(path.join(root, "blob"));
    delete (globalThis as { __scryonPipelineDeps?: unknown }).__scryonPipelineDeps;
    wav = await fs.readFile(await makeAudio("wav"));
    alice = await newOwner("Alice");
    bob = await newOwner("Bob");
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it(`every route × method that takes credentials has a case (${matrix.length} here, ${SESSION_ONLY.size} session-only, ${PUBLIC.size} public), and no case is stale`, () => {
    expect(matrix.map((route) => route.key).filter((key) => !CASES[key]), "add a case to tests/tokens/token-access.test.ts for each of these").toEqual([]);
    expect(Object.keys(CASES).filter((key) => !matrix.some((route) => route.key === key)), "these cases name no route × method").toEqual([]);
  });

  it("no credentials, a malformed, unknown or revoked token: 401 on every route, also beside a good session cookie", async () => {
    const unknown = `scy_${"A".repeat(43)}`;
    for (const route of tokenRoutes) {
      // The route's own request where there is a case (the Blob route reads its body before it asks who calls).
      const built: Built = CASES[route.key]?.build(alice, "missing") ?? {
        url: route.route.replace("[id]", MISSING),
        params: { id: MISSING },
        init: isRead(route.method) ? {} : json({}),
      };
      for (const [label, token, session] of [
        ["no credentials", undefined, null],
        ["malformed", "not-a-token", null],
        ["wrong prefix", `ghp_${"a".repeat(43)}`, null],
        ["too short", "scy_abc", null],
        ["unknown", unknown, null],
        ["revoked", alice.tokens.revoked, null],
        ["revoked beside Alice's session", alice.tokens.revoked, alice.user],
      ] as const) {
        asSession(session);
        const response = await send(route.method, route.file, built.url, built.params, { ...built.init, body: cloneBody(built.init?.body), token });
        expect(response.status, `${route.key}: ${label}`).toBe(401);
        if (route.method !== "HEAD") expect(unauthenticatedBody(await response.text()), `${route.key}: ${label}`).toBe("UNAUTHENTICATED");
      }
      // `Authorization: Bearer` with nothing after it is a bad token too, not "no token".
      const bare = await (await handlerOf(route.file, route.method))(
        new Request(`${BASE}${built.url}`, { method: route.method, body: cloneBody(built.init?.body), headers: { ...built.init?.headers, Authorization: "Bearer " } }),
        { params: Promise.resolve(built.params ?? {}) },
      );
      expect(bare.status, `${route.key}: empty bearer`).toBe(401);
    }
    asSession(null);
  });

  it("a read token is refused every write with 403 INSUFFICIENT_SCOPE and nothing changed, and reads what the session reads", async () => {
    const before = await ownerState(t.db, path.join(root, "blob"), alice);
    for (const route of covered.filter((route) => !isRead(route.method) || entry(route).writeOnly)) {
      const response = await run(route, alice, "own", alice.tokens.read);
      expect(response.status, route.key).toBe(403);
      expect(await response.json(), route.key).toEqual({
        error: {
          code: "FORBIDDEN",
          message: "This API token can only read. Use a token with the write scope to make changes.",
          details: { reason: "INSUFFICIENT_SCOPE", requiredScope: "write" },
        },
      });
    }
    expect(await ownerState(t.db, path.join(root, "blob"), alice)).toEqual(before);
    // Reads after the writes: a tus HEAD counts as activity on the upload (its updated_at moves).
    for (const route of covered.filter((route) => isRead(route.method) && !entry(route).writeOnly)) {
      asSession(alice.user);
      const bySession = await run(route, alice, "own");
      asSession(null);
      const byToken = await run(route, alice, "own", alice.tokens.read);
      expect(byToken.status, route.key).toBe(bySession.status);
      expect(byToken.status, route.key).not.toBe(401);
      expect(byToken.status, route.key).not.toBe(403);
      if (route.method === "GET" && byToken.status === 200) expect(await byToken.text(), route.key).toBe(await bySession.text());
    }
  });

  it("a write token gets the session's answer on every route (each write on a fresh pair of owners)", async () => {
    // Reads change nothing (a tus HEAD only counts as activity): they share one pair of owners.
    const readers = [await newOwner("S"), await newOwner("T")] as const;
    for (const route of covered) {
      const [viaSession, viaToken] = isRead(route.method) ? readers : [await newOwner("S"), await newOwner("T")];
      asSession(viaSession.user);
      const bySession = await run(route, viaSession, "own");
      asSession(null);
      const byToken = await run(route, viaToken, "own", viaToken.tokens.write);
      const ownStatus = entry(route).ownStatus;
      if (ownStatus) expect(bySession.status, `${route.key} (session)`).toBe(ownStatus);
      else expect(bySession.status, `${route.key} (session)`).toBeLessThan(400);
      expect(byToken.status, route.key).toBe(bySession.status);
    }
  }, 240_000);

  it("another user's token sees Alice's objects exactly as ids that do not exist, lists only his own, and changes nothing of hers", async () => {
    const before = await ownerState(t.db, path.join(root, "blob"), alice);
    for (const route of covered) {
      const item = entry(route);
      if (item.kind === "list") {
        const response = await run(route, alice, "own", bob.tokens.write);
        expect(response.status, route.key).toBeLessThan(500);
        const text = await response.text();
        for (const secret of alice.secrets) expect(text, `${route.key} leaks ${secret}`).not.toContain(secret);
        continue;
      }
      const missing = await run(route, alice, "missing", bob.tokens.write);
      const theirs = await run(route, alice, "own", bob.tokens.write);
      expect(theirs.status, route.key).toBe(missing.status);
      expect([403, 404], route.key).toContain(theirs.status);
      const text = await theirs.text();
      expect(text, route.key).toBe(await missing.text());
      for (const secret of alice.secrets) expect(text, `${route.key} leaks ${secret}`).not.toContain(secret);
    }
    expect(await ownerState(t.db, path.join(root, "blob"), alice)).toEqual(before);
  });

  it("session-only routes (token management, administration) refuse a valid token of either scope with 403 SESSION_REQUIRED", async () => {
    for (const route of tokenRoutes.filter((route) => SESSION_ONLY.has(route.key))) {
      const url = route.route.replace("[id]", MISSING);
      for (const token of [alice.tokens.read, alice.tokens.write]) {
        const response = await send(route.method, route.file, url, { id: MISSING }, { token, ...(isRead(route.method) ? {} : json({ name: "x", scope: "read" })) });
        expect(response.status, route.key).toBe(403);
        expect(((await response.json()) as { error: { details: { reason: string } } }).error.details.reason, route.key).toBe("SESSION_REQUIRED");
      }
    }
  });

  it("uploads work with a write token: a whole tus upload and a multipart upload queue calls of the token's user", async () => {
    const tus = "app/api/uploads/[[...path]]/route.ts";
    const created = await send("POST", tus, "/api/uploads", {}, { token: alice.tokens.write, headers: { ...TUS_HEADERS, "Upload-Length": String(wav.byteLength), "Upload-Metadata": tusMetadata({ filename: "script.wav", title: "By tus" }) } });
    expect(created.status).toBe(201);
    const id = created.headers.get("location")!.split("/").pop()!;
    const done = await send("PATCH", tus, `/api/uploads/${id}`, { path: [id] }, {
      token: alice.tokens.write,
      headers: { ...TUS_HEADERS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream" },
      body: new Uint8Array(wav),
    });
    expect(done.status).toBe(204);
    expect(done.headers.get("x-scryon-call-id")).toBe(id);
    const multipart = await send("POST", "app/api/calls/route.ts", "/api/calls", {}, { token: alice.tokens.write, ...form("file", "call.wav") });
    expect(multipart.status).toBe(201);
    const { call } = (await multipart.json()) as { call: { id: string; status: string } };
    for (const callId of [id, call.id]) {
      const got = await send("GET", "app/api/calls/[id]/route.ts", `/api/calls/${callId}`, { id: callId }, { token: alice.tokens.read });
      expect(got.status).toBe(200);
      expect(((await got.json()) as { call: { status: string } }).call.status).toBe("QUEUED");
    }
    // Bob's token does not see them.
    const asBob = await send("GET", "app/api/calls/[id]/route.ts", `/api/calls/${call.id}`, { id: call.id }, { token: bob.tokens.write });
    expect(asBob.status).toBe(404);
  });

  it("no answer after creation carries a token", () => {
    const tokens = [alice, bob].flatMap((owner) => Object.values(owner.tokens));
    for (const answer of answers) for (const token of tokens) expect(answer).not.toContain(token.slice(4));
  });
});
