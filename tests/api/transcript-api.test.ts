import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { createCall } from "@/db/queries/calls";
import { upsertUserByExternalId } from "@/db/queries/users";
import type { CallRecord, User } from "@/db/schema";
import { unauthenticated } from "@/lib/http/errors";
import { saveJsonArtifact } from "@/lib/pipeline/artifacts";
import { createLocalStorage, transcriptNormalizedKey, type ObjectStorage } from "@/lib/storage";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

/**
 * `GET /api/calls/:id/transcript`, called directly with a Request on a real database and local storage;
 * only the session, the database handle and storage are swapped (as in calls-api.test.ts).
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

const transcriptRoute = await import("@/app/api/calls/[id]/transcript/route");

const BASE = "http://localhost";
const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
const MISSING_ID = "00000000-0000-4000-8000-000000000000";
type ErrorBody = { error: { code: string; message: string } };

const TRANSCRIPT: NormalizedTranscript = {
  version: 1,
  language: "en",
  durationSeconds: 3730,
  quality: "standard",
  speakers: [
    { id: "A", label: "Speaker 1", role: "SELF", displayName: "Alice", confidence: 0.9 },
    { id: "B", label: "Speaker 2", role: "COUNTERPARTY", displayName: null, confidence: null },
  ],
  segments: [
    {
      id: "s0001",
      speakerId: "A",
      start: 1.5,
      end: 2.5,
      text: "Hello Bob",
      words: [
        { text: "Hello", start: 1.5, end: 2, confidence: 0.9 },
        { text: "Bob", start: 2, end: 2.5, confidence: 0.9 },
      ],
    },
    {
      id: "s0002",
      speakerId: "B",
      start: 3725,
      end: 3726,
      text: "<Bye> & thanks",
      words: [
        { text: "<Bye>", start: 3725, end: 3725.4, confidence: 0.9 },
        { text: "&", start: 3725.4, end: 3725.5, confidence: 0.9 },
        { text: "thanks", start: 3725.5, end: 3726, confidence: 0.9 },
      ],
    },
  ],
};

describe.each(databaseKinds())("transcript API on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let alice: User;
  let bob: User;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-transcript-api-"));
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

  async function makeCall(owner: User, title: string, { transcript = true } = {}): Promise<CallRecord> {
    const call = await createCall(t.db, owner.id, { title });
    if (transcript) {
      await saveJsonArtifact(
        { db: t.db, storage: world.storage! },
        { userId: owner.id, callId: call.id, type: "NORMALIZED_TRANSCRIPT_JSON", key: transcriptNormalizedKey(owner.id, call.id), value: TRANSCRIPT },
      );
    }
    return call;
  }

  const get = (id: string, query = "") => transcriptRoute.GET(new Request(`${BASE}/api/calls/${id}/transcript${query}`), ctx(id));

  it("answers the transcript as JSON by default", async () => {
    const call = await makeCall(alice, "Acme renewal");
    for (const query of ["", "?format=json", "?format="]) {
      const response = await get(call.id, query);
      expect(response.status).toBe(200);
      expect(response.headers.get("Content-Type")).toBe("application/json");
      expect(response.headers.get("Cache-Control")).toBe("private, no-store");
      expect(response.headers.get("Content-Disposition")).toBeNull();
      expect(await response.json()).toEqual(TRANSCRIPT);
    }
  });

  it.each([
    ["txt", "text/plain; charset=utf-8", "Acme renewal\n\n[00:01] Alice: Hello Bob\n\n[1:02:05] Speaker 2: <Bye> & thanks\n"],
    ["srt", "application/x-subrip; charset=utf-8", "1\n00:00:01,500 --> 00:00:02,500\nAlice: Hello Bob\n\n2\n01:02:05,000 --> 01:02:06,000\nSpeaker 2: <Bye> & thanks\n"],
    ["vtt", "text/vtt; charset=utf-8", "WEBVTT\n\n00:00:01.500 --> 00:00:02.500\n<v Alice>Hello Bob\n\n01:02:05.000 --> 01:02:06.000\n<v Speaker 2>&lt;Bye&gt; &amp; thanks\n"],
  ])("format=%s → 200 %s as an attachment", async (format, contentType, body) => {
    const call = await makeCall(alice, "Acme renewal");
    const response = await get(call.id, `?format=${format}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe(contentType);
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    expect(response.headers.get("Content-Disposition")).toBe(`attachment; filename="Acme renewal.${format}"`);
    expect(await response.text()).toBe(body);
  });

  it("makes a safe file name from the title, with filename* for non-ASCII", async () => {
    const call = await makeCall(alice, 'Renewal "Zoë"/Q3: ../draft');
    const response = await get(call.id, "?format=srt");
    expect(response.headers.get("Content-Disposition")).toBe(
      `attachment; filename="Renewal Zoe Q3 draft.srt"; filename*=UTF-8''Renewal%20Zo%C3%AB%20Q3%20draft.srt`,
    );
  });

  it("answers another user's call exactly like a missing one", async () => {
    const bobs = await makeCall(bob, "Bob's secret");
    for (const id of [bobs.id, MISSING_ID, "not-a-uuid"]) {
      for (const query of ["", "?format=txt"]) {
        const response = await get(id, query);
        expect(response.status).toBe(404);
        expect(await response.json()).toEqual({ error: { code: "NOT_FOUND", message: "Call not found." } });
      }
    }
    world.user = bob;
    expect((await get(bobs.id, "?format=txt")).status).toBe(200);
  });

  it("answers 404 'not ready' while the transcript has not been produced", async () => {
    const call = await makeCall(alice, "Still processing", { transcript: false });
    for (const query of ["", "?format=vtt"]) {
      const response = await get(call.id, query);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: "NOT_FOUND", message: "The transcript is not ready yet." } });
    }
  });

  it.each(["?format=pdf", "?format=srt%20", "?format=..%2Fsrt"])("%s → 400 VALIDATION_FAILED", async (query) => {
    const call = await makeCall(alice, "Acme renewal");
    const response = await get(call.id, query);
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toBe("VALIDATION_FAILED");
  });

  it("answers 401 without a session", async () => {
    const call = await makeCall(alice, "Acme renewal");
    world.user = null;
    const response = await get(call.id, "?format=txt");
    expect(response.status).toBe(401);
    expect(((await response.json()) as ErrorBody).error.code).toBe("UNAUTHENTICATED");
  });
});
