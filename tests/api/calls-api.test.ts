import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { insertArtifact } from "@/db/queries/artifacts";
import { createCall, transitionCallStatus } from "@/db/queries/calls";
import { upsertUserByExternalId } from "@/db/queries/users";
import type { CallRecord, User } from "@/db/schema";
import type { CallJson } from "@/lib/calls/serialize";
import { unauthenticated } from "@/lib/http/errors";
import { createLocalStorage, originalAudioKey, type ObjectStorage } from "@/lib/storage";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

/**
 * The call route handlers, called directly with a Request, on a real database and local storage.
 * Only the three process-wide singletons are swapped: the session, the database handle and storage.
 */

const world = vi.hoisted(() => ({
  user: null as User | null,
  db: null as Database | null,
  storage: null as ObjectStorage | null,
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

const listRoute = await import("@/app/api/calls/route");
const callRoute = await import("@/app/api/calls/[id]/route");
const audioRoute = await import("@/app/api/calls/[id]/audio/route");

const BASE = "http://localhost";
const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
const MISSING_ID = "00000000-0000-4000-8000-000000000000";
const AUDIO = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}
type ErrorBody = { error: { code: string; message: string; details?: { path: string; message: string }[] } };

describe.each(databaseKinds())("call API on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let alice: User;
  let bob: User;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-calls-api-"));
    world.db = t.db;
    world.storage = createLocalStorage(root);
    alice = await upsertUserByExternalId(t.db, { externalUserId: `alice-${kind}`, displayName: "Alice" });
    bob = await upsertUserByExternalId(t.db, { externalUserId: `bob-${kind}`, displayName: "Bob" });
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    world.user = alice;
  });

  async function makeCall(
    owner: User,
    fields: Partial<Pick<CallRecord, "title" | "contactName" | "organization" | "direction">> = {},
    { status = "QUEUED", audio = true }: { status?: CallRecord["status"]; audio?: boolean } = {},
  ): Promise<CallRecord> {
    let call = await createCall(t.db, owner.id, { title: fields.title ?? "A call", ...fields });
    if (audio) {
      const key = originalAudioKey(owner.id, call.id, "wav");
      const stored = await world.storage!.put(key, AUDIO, { contentType: "audio/wav" });
      await insertArtifact(t.db, { callId: call.id, artifactType: "TEMP_AUDIO", storageKey: key, contentType: "audio/wav", byteSize: stored.size });
    }
    if (status !== "UPLOADING") call = await transitionCallStatus(t.db, { callId: call.id, from: "UPLOADING", to: "QUEUED" });
    if (status === "PROCESSING" || status === "COMPLETED" || status === "FAILED") {
      call = await transitionCallStatus(t.db, { callId: call.id, from: "QUEUED", to: "PROCESSING" });
    }
    if (status === "COMPLETED" || status === "FAILED") {
      call = await transitionCallStatus(t.db, { callId: call.id, from: "PROCESSING", to: status, errorReason: "STALLED" });
    }
    return call;
  }

  describe("GET /api/calls", () => {
    const list = async (query = "") => listRoute.GET(new Request(`${BASE}/api/calls${query}`), { params: Promise.resolve({}) });

    it("lists only the caller's calls, newest first, without uploads in progress unless asked", async () => {
      world.user = await upsertUserByExternalId(t.db, { externalUserId: `lister-${kind}` });
      const owner = world.user;
      const uploading = await makeCall(owner, { title: "Still uploading" }, { status: "UPLOADING", audio: false });
      const first = await makeCall(owner, { title: "First" });
      const second = await makeCall(owner, { title: "Second" }, { status: "FAILED" });
      await makeCall(bob, { title: "Bob's" });

      const page = await json<{ items: CallJson[]; nextCursor: string | null }>(await list());
      expect(page.items.map((call) => call.id)).toEqual([second.id, first.id]);
      expect(page.nextCursor).toBeNull();
      expect(page.items[0]).toMatchObject({ title: "Second", status: "FAILED", errorReason: "STALLED" });

      const uploads = await json<{ items: CallJson[] }>(await list("?status=UPLOADING"));
      expect(uploads.items.map((call) => call.id)).toEqual([uploading.id]);
      const several = await json<{ items: CallJson[] }>(await list("?status=QUEUED,UPLOADING"));
      expect(several.items.map((call) => call.id)).toEqual([first.id, uploading.id]);
      const repeated = await json<{ items: CallJson[] }>(await list("?status=QUEUED&status=FAILED"));
      expect(repeated.items.map((call) => call.id)).toEqual([second.id, first.id]);
    });

    it("pages with the cursor and filters by q and direction", async () => {
      world.user = await upsertUserByExternalId(t.db, { externalUserId: `pager-${kind}` });
      const owner = world.user;
      const calls: CallRecord[] = [];
      for (let i = 0; i < 5; i++) {
        calls.push(await makeCall(owner, { title: `Call ${i}`, organization: i % 2 ? "Acme" : "Globex", direction: i % 2 ? "INCOMING" : "OUTGOING" }, { audio: false }));
      }
      const newestFirst = calls.map((call) => call.id).reverse();
      const page1 = await json<{ items: CallJson[]; nextCursor: string }>(await list("?limit=2"));
      expect(page1.items.map((call) => call.id)).toEqual(newestFirst.slice(0, 2));
      const page2 = await json<{ items: CallJson[]; nextCursor: string }>(await list(`?limit=2&cursor=${page1.nextCursor}`));
      expect(page2.items.map((call) => call.id)).toEqual(newestFirst.slice(2, 4));
      const page3 = await json<{ items: CallJson[]; nextCursor: string | null }>(await list(`?limit=2&cursor=${page2.nextCursor}`));
      expect(page3.items.map((call) => call.id)).toEqual(newestFirst.slice(4));
      expect(page3.nextCursor).toBeNull();

      const acme = await json<{ items: CallJson[] }>(await list("?q=acme"));
      expect(acme.items.map((call) => call.title)).toEqual(["Call 3", "Call 1"]);
      const outgoing = await json<{ items: CallJson[] }>(await list("?direction=OUTGOING&q=call"));
      expect(outgoing.items.map((call) => call.title)).toEqual(["Call 4", "Call 2", "Call 0"]);
      // Empty parameters mean "not given".
      expect((await json<{ items: CallJson[] }>(await list("?q=&status=&direction=&cursor=&limit="))).items).toHaveLength(5);
    });

    it.each([
      ["?status=DONE", "VALIDATION_FAILED"],
      ["?status=QUEUED,", "VALIDATION_FAILED"],
      ["?direction=SIDEWAYS", "VALIDATION_FAILED"],
      ["?limit=0", "VALIDATION_FAILED"],
      ["?limit=101", "VALIDATION_FAILED"],
      ["?limit=2.5", "VALIDATION_FAILED"],
      ["?limit=ten", "VALIDATION_FAILED"],
      ["?cursor=garbage", "INVALID_CURSOR"],
    ])("%s → 400 %s", async (query, code) => {
      const response = await list(query);
      expect(response.status).toBe(400);
      expect((await json<ErrorBody>(response)).error.code).toBe(code);
    });

    it("answers 401 without a session", async () => {
      world.user = null;
      const response = await list();
      expect(response.status).toBe(401);
      expect((await json<ErrorBody>(response)).error.code).toBe("UNAUTHENTICATED");
    });
  });

  describe("GET/PATCH/DELETE /api/calls/:id", () => {
    const patch = (id: string, body: string) =>
      callRoute.PATCH(new Request(`${BASE}/api/calls/${id}`, { method: "PATCH", body, headers: { "Content-Type": "application/json" } }), ctx(id));

    it("answers another user's call exactly like a missing one", async () => {
      const bobs = await makeCall(bob, { title: "Bob's secret" });
      for (const id of [bobs.id, MISSING_ID, "not-a-uuid"]) {
        const get = await callRoute.GET(new Request(`${BASE}/api/calls/${id}`), ctx(id));
        expect(get.status).toBe(404);
        expect(await json<ErrorBody>(get)).toEqual({ error: { code: "NOT_FOUND", message: "Call not found." } });
        const patched = await patch(id, JSON.stringify({ title: "Mine now" }));
        expect(patched.status).toBe(404);
        expect(await json<ErrorBody>(patched)).toEqual({ error: { code: "NOT_FOUND", message: "Call not found." } });
        const deleted = await callRoute.DELETE(new Request(`${BASE}/api/calls/${id}`, { method: "DELETE" }), ctx(id));
        expect(deleted.status).toBe(404);
        const audio = await audioRoute.GET(new Request(`${BASE}/api/calls/${id}/audio`), ctx(id));
        expect(audio.status).toBe(404);
        expect(await json<ErrorBody>(audio)).toEqual({ error: { code: "NOT_FOUND", message: "Call not found." } });
      }
      world.user = bob;
      const stillThere = await json<{ call: CallJson }>(await callRoute.GET(new Request(`${BASE}/api/calls/${bobs.id}`), ctx(bobs.id)));
      expect(stillThere.call.title).toBe("Bob's secret");
    });

    it("patches metadata: clears with null or blank, keeps fields not sent", async () => {
      const call = await makeCall(alice, { title: "Before", contactName: "Jane", organization: "Acme" });
      const response = await patch(
        call.id,
        JSON.stringify({ title: "  After  ", contactName: null, organization: "  ", phoneNumber: "+1 555 0100", direction: "OUTGOING", recordedAt: "2026-01-02T03:04:05Z" }),
      );
      expect(response.status).toBe(200);
      const { call: updated } = await json<{ call: CallJson }>(response);
      expect(updated).toMatchObject({
        title: "After",
        contactName: null,
        organization: null,
        phoneNumber: "+1 555 0100",
        direction: "OUTGOING",
        recordedAt: "2026-01-02T03:04:05.000Z",
        status: "QUEUED",
      });
      const unchanged = await json<{ call: CallJson }>(await patch(call.id, "{}"));
      expect(unchanged.call).toMatchObject({ title: "After", phoneNumber: "+1 555 0100" });
    });

    it.each([
      ['{"title":', "INVALID_JSON", undefined],
      ["", "INVALID_JSON", undefined],
      ['{"title":""}', "VALIDATION_FAILED", "title"],
      ['{"title":"   "}', "VALIDATION_FAILED", "title"],
      ['{"title":null}', "VALIDATION_FAILED", "title"],
      ['{"status":"COMPLETED"}', "VALIDATION_FAILED", ""],
      ['{"phoneNumber":"call me"}', "VALIDATION_FAILED", "phoneNumber"],
      ['{"recordedAt":"yesterday-ish"}', "VALIDATION_FAILED", "recordedAt"],
      ['{"direction":"UP"}', "VALIDATION_FAILED", "direction"],
      ["[]", "VALIDATION_FAILED", ""],
      ['"text"', "VALIDATION_FAILED", ""],
    ])("PATCH %s → 400 %s", async (body, code, field) => {
      const call = await makeCall(alice, { title: "Untouched" }, { audio: false });
      const response = await patch(call.id, body);
      expect(response.status).toBe(400);
      const { error } = await json<ErrorBody>(response);
      expect(error.code).toBe(code);
      if (field !== undefined) expect(error.details?.map((issue) => issue.path)).toContain(field);
      const after = await json<{ call: CallJson }>(await callRoute.GET(new Request(`${BASE}/api/calls/${call.id}`), ctx(call.id)));
      expect(after.call.title).toBe("Untouched");
    });

    it("deletes the call, its artifact rows and its stored objects", async () => {
      const call = await makeCall(alice, { title: "Doomed" });
      const key = originalAudioKey(alice.id, call.id, "wav");
      expect(await world.storage!.head(key)).not.toBeNull();
      const response = await callRoute.DELETE(new Request(`${BASE}/api/calls/${call.id}`, { method: "DELETE" }), ctx(call.id));
      expect(response.status).toBe(204);
      expect(await response.text()).toBe("");
      expect(await world.storage!.head(key)).toBeNull();
      expect((await callRoute.GET(new Request(`${BASE}/api/calls/${call.id}`), ctx(call.id))).status).toBe(404);
      expect((await callRoute.DELETE(new Request(`${BASE}/api/calls/${call.id}`, { method: "DELETE" }), ctx(call.id))).status).toBe(404);
    });

    it("answers 401 without a session", async () => {
      const call = await makeCall(alice);
      world.user = null;
      expect((await callRoute.GET(new Request(`${BASE}/api/calls/${call.id}`), ctx(call.id))).status).toBe(401);
      expect((await patch(call.id, "{}")).status).toBe(401);
      expect((await callRoute.DELETE(new Request(`${BASE}/api/calls/${call.id}`, { method: "DELETE" }), ctx(call.id))).status).toBe(401);
      expect((await audioRoute.GET(new Request(`${BASE}/api/calls/${call.id}/audio`), ctx(call.id))).status).toBe(401);
    });
  });

  describe("GET /api/calls/:id/audio", () => {
    let call: CallRecord;
    beforeAll(async () => {
      call = await makeCall(alice, { title: "Listen" });
    });
    const get = (headers: Record<string, string> = {}) =>
      audioRoute.GET(new Request(`${BASE}/api/calls/${call.id}/audio`, { headers }), ctx(call.id));
    const bytes = async (response: Response) => new Uint8Array(await response.arrayBuffer());

    it("serves the whole file without Range", async () => {
      const response = await get();
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("audio/wav");
      expect(response.headers.get("accept-ranges")).toBe("bytes");
      expect(response.headers.get("cache-control")).toBe("private, max-age=0");
      expect(response.headers.get("content-length")).toBe("1000");
      expect(await bytes(response)).toEqual(AUDIO);
    });

    it.each([
      ["bytes=0-99", 0, 99],
      ["bytes=990-", 990, 999],
      ["bytes=-10", 990, 999],
      ["bytes=900-5000", 900, 999],
      ["bytes=10-19, 50-59", 10, 19],
    ])("%s → 206 %i-%i", async (range, start, end) => {
      const response = await get({ Range: range });
      expect(response.status).toBe(206);
      expect(response.headers.get("content-range")).toBe(`bytes ${start}-${end}/1000`);
      expect(response.headers.get("content-length")).toBe(String(end - start + 1));
      expect(await bytes(response)).toEqual(AUDIO.slice(start, end + 1));
    });

    it("answers 416 with the size for a range past the end", async () => {
      const response = await get({ Range: "bytes=1000-" });
      expect(response.status).toBe(416);
      expect(response.headers.get("content-range")).toBe("bytes */1000");
      expect((await json<ErrorBody>(response)).error.code).toBe("RANGE_NOT_SATISFIABLE");
    });

    it("ignores an invalid Range header and a stale If-Range", async () => {
      expect((await get({ Range: "bytes=9-2" })).status).toBe(200);
      const etag = (await get()).headers.get("etag")!;
      expect((await get({ Range: "bytes=0-9", "If-Range": etag })).status).toBe(206);
      expect((await get({ Range: "bytes=0-9", "If-Range": '"something-else"' })).status).toBe(200);
      expect((await get({ "If-None-Match": etag })).status).toBe(304);
    });

    it("HEAD gives the headers without reading the file", async () => {
      const response = await audioRoute.HEAD(new Request(`${BASE}/api/calls/${call.id}/audio`, { method: "HEAD" }), ctx(call.id));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-length")).toBe("1000");
      expect(response.body).toBeNull();
    });

    it("says the audio is no longer stored when the artifact or its object is gone", async () => {
      const noArtifact = await makeCall(alice, { title: "Expired" }, { audio: false });
      const response = await audioRoute.GET(new Request(`${BASE}/api/calls/${noArtifact.id}/audio`), ctx(noArtifact.id));
      expect(response.status).toBe(404);
      expect(await json<ErrorBody>(response)).toEqual({ error: { code: "NOT_FOUND", message: "The audio for this call is no longer stored." } });

      const noObject = await makeCall(alice, { title: "Object lost" });
      await world.storage!.delete(originalAudioKey(alice.id, noObject.id, "wav"));
      const lost = await audioRoute.GET(new Request(`${BASE}/api/calls/${noObject.id}/audio`), ctx(noObject.id));
      expect(lost.status).toBe(404);
      expect((await json<ErrorBody>(lost)).error.message).toBe("The audio for this call is no longer stored.");
    });
  });
});
