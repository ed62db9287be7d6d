import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { createCall } from "@/db/queries/calls";
import { upsertUserByExternalId } from "@/db/queries/users";
import type { User } from "@/db/schema";
import { unauthenticated } from "@/lib/http/errors";
import { indexSummary, indexTranscript } from "@/lib/search/indexer";
import { encodeSearchCursor, MAX_SEARCH_QUERY_LENGTH } from "@/lib/search/query";
import type { SearchPage } from "@/lib/search/service";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

/** `GET /api/search`: what it answers, and the 400s for input it refuses. */

const world = vi.hoisted(() => ({ user: null as User | null, db: null as Database | null }));
vi.mock("@/lib/auth/session", () => ({
  requireUser: async () => {
    if (!world.user) throw unauthenticated();
    return world.user;
  },
}));
vi.mock("@/db", () => ({ getDb: async () => world.db }));

const { GET } = await import("@/app/api/search/route");
const get = (query: string) => GET(new Request(`http://localhost/api/search${query}`), { params: Promise.resolve({}) });

describe.each(databaseKinds())("GET /api/search on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let callId: string;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-search-api-"));
    world.db = t.db;
    world.user = await upsertUserByExternalId(t.db, { externalUserId: `search-api-${kind}`, displayName: "Sam" });
    const call = await createCall(t.db, world.user.id, { title: "Quarterly <script>alert(1)</script> review" });
    callId = call.id;
    await indexTranscript(t.db, { userId: world.user.id, callId }, {
      version: 1,
      language: "en",
      durationSeconds: 20,
      quality: "standard",
      speakers: [{ id: "S1", label: "Speaker 1", role: "COUNTERPARTY", displayName: "Robin", confidence: null }],
      segments: [
        { id: "s0001", speakerId: "S1", start: 1.5, end: 4, text: "the warranty covers <img src=x onerror=alert(1)> repairs", words: [] },
        { id: "s0002", speakerId: "S1", start: 12.25, end: 15, text: "we extend the warranty next year", words: [] },
      ],
    });
    await indexSummary(t.db, { userId: world.user.id, callId }, "Robin asked about the warranty.");
  });

  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it("answers the page: call, kind, speaker, start time, snippet ranges and the link to the moment", async () => {
    const response = await get(`?q=${encodeURIComponent("warranty")}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toContain("no-store");
    const page = (await response.json()) as SearchPage;
    expect(page.nextCursor).toBeNull();
    expect(page.items).toHaveLength(3);
    const segment = page.items.find((hit) => hit.segmentId === "s0002")!;
    expect(segment).toMatchObject({
      kind: "segment",
      call: { id: callId, title: "Quarterly <script>alert(1)</script> review" },
      speaker: { id: "S1", label: "Speaker 1", name: "Robin" },
      startSeconds: 12.25,
      href: `/calls/${callId}?t=12.25&segment=s0002`,
      snippet: { text: "we extend the warranty next year", highlights: [[14, 22]] },
    });
    // Markup in the text is text: the snippet carries it as characters, the highlights are ranges.
    expect(page.items.find((hit) => hit.segmentId === "s0001")!.snippet.text).toBe("the warranty covers <img src=x onerror=alert(1)> repairs");
  });

  it("takes a cursor: a page after every row is empty", async () => {
    const pastEverything = encodeSearchCursor({ recordedAt: new Date("2000-01-01T00:00:00Z"), callId, rank: "0.5", id: callId });
    const response = await get(`?q=warranty&cursor=${pastEverything}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ items: [], nextCursor: null, noSearchableWords: false });
  });

  it.each([
    ["no q", ""],
    ["an empty q", "?q="],
    ["a blank q", "?q=%20%20"],
    ["a q that is too long", `?q=${"a".repeat(MAX_SEARCH_QUERY_LENGTH + 1)}`],
    ["a NUL in q", "?q=warranty%00"],
    ["a control character in q", "?q=war%07ranty"],
  ])("refuses %s with 400 VALIDATION_FAILED", async (_name, query) => {
    const response = await get(query);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_FAILED");
  });

  it.each([
    ["not base64 JSON", "%%%"],
    ["JSON of the wrong shape", Buffer.from('{"a":1}').toString("base64url")],
    ["a rank that is not a number", Buffer.from(JSON.stringify(["2026-01-01T00:00:00.000Z", "00000000-0000-4000-8000-000000000000", "1); drop table users; --", "00000000-0000-4000-8000-000000000000"])).toString("base64url")],
    ["a date PostgreSQL cannot store", Buffer.from(JSON.stringify(["+275760-09-13T00:00:00.000Z", "00000000-0000-4000-8000-000000000000", "1", "00000000-0000-4000-8000-000000000000"])).toString("base64url")],
  ])("refuses a cursor that is %s with 400 INVALID_CURSOR", async (_name, cursor) => {
    const response = await get(`?q=warranty&cursor=${cursor}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("INVALID_CURSOR");
  });

  it("is 401 without a user", async () => {
    const user = world.user;
    world.user = null;
    try {
      expect((await get("?q=warranty")).status).toBe(401);
    } finally {
      world.user = user;
    }
  });
});
