import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Database } from "@/db";
import { replaceGeneratedActionItems } from "@/db/queries/action-items";
import { getArtifact } from "@/db/queries/artifacts";
import { createCall, getCall, transitionCallStatus } from "@/db/queries/calls";
import { upsertUserByExternalId } from "@/db/queries/users";
import { actionItems, callRecords, type CallRecord, type User } from "@/db/schema";
import type { ActionItemJson } from "@/lib/action-items/types";
import { unauthenticated } from "@/lib/http/errors";
import { loadJsonArtifact, saveJsonArtifact } from "@/lib/pipeline/artifacts";
import { analysisKey, createLocalStorage, transcriptNormalizedKey, type ObjectStorage } from "@/lib/storage";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

/**
 * The action-item and speaker APIs, called directly with Requests on a real database and local storage;
 * only the session, the database handle and storage are swapped (as in calls-api.test.ts).
 */

const world = vi.hoisted(() => ({
  user: null as User | null,
  db: null as Database | null,
  storage: null as ObjectStorage | null,
  sent: [] as { name: string; id?: string; data: unknown }[],
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

vi.mock("@/inngest/client", () => ({
  getInngest: () => ({ send: async (event: { name: string; id?: string; data: unknown }) => void world.sent.push(event) }),
}));

const reanalyzeRoute = await import("@/app/api/calls/[id]/reanalyze/route");
const callItemsRoute = await import("@/app/api/calls/[id]/action-items/route");
const itemRoute = await import("@/app/api/action-items/[id]/route");
const inboxRoute = await import("@/app/api/action-items/route");
const speakerRoute = await import("@/app/api/calls/[id]/speakers/[speakerId]/route");
const speakersRoute = await import("@/app/api/calls/[id]/speakers/route");

const BASE = "http://localhost";
const MISSING_ID = "00000000-0000-4000-8000-000000000000";
type ErrorBody = { error: { code: string; message: string; details?: { path: string }[] } };

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

const json = (method: string, url: string, body: unknown) =>
  new Request(`${BASE}${url}`, { method, headers: { "Content-Type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

describe.each(databaseKinds())("action items API on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let alice: User;
  let bob: User;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-action-items-api-"));
    world.db = t.db;
    world.storage = createLocalStorage(root);
    alice = await upsertUserByExternalId(t.db, { externalUserId: `alice-${kind}`, displayName: "Alice Archer" });
    bob = await upsertUserByExternalId(t.db, { externalUserId: `bob-${kind}`, displayName: "Bob" });
  });
  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });
  beforeEach(() => {
    world.user = alice;
  });

  /** A processed call: transcript, analysis and two generated items (one per speaker). */
  async function processedCall(owner: User, title = "Acme renewal", recordedAt = new Date("2026-03-04T15:00:00Z")): Promise<CallRecord> {
    const call = await createCall(t.db, owner.id, { title, recordedAt, contactName: "Carol Customer" });
    const deps = { db: t.db, storage: world.storage! };
    await saveJsonArtifact(deps, { userId: owner.id, callId: call.id, type: "NORMALIZED_TRANSCRIPT_JSON", key: transcriptNormalizedKey(owner.id, call.id), value: TRANSCRIPT });
    await saveJsonArtifact(deps, {
      userId: owner.id,
      callId: call.id,
      type: "ANALYSIS_JSON",
      key: analysisKey(owner.id, call.id),
      value: { version: 1, provider: "local", model: "rules-v1", createdAt: "2026-03-04T16:00:00.000Z", summary: "Proposal by Friday.", actionItems: [] },
    });
    await replaceGeneratedActionItems(t.db, {
      callId: call.id,
      items: [
        { title: "Send the proposal", dueDate: "2026-03-06", priority: "medium", sourceSegmentIdsJson: ["s0001"], sourceText: "I will send the proposal by Friday", ownerSpeakerId: "A", ownerSpeakerLabel: "Speaker 1", ownerRole: "UNKNOWN" },
        { title: "Loop in finance", dueDate: null, priority: "low", sourceSegmentIdsJson: ["s0002"], sourceText: "Can you loop in finance", ownerSpeakerId: "B", ownerSpeakerLabel: "Speaker 2", ownerRole: "UNKNOWN" },
      ],
    });
    return call;
  }

  const listCall = async (callId: string) => {
    const response = await callItemsRoute.GET(new Request(`${BASE}/api/calls/${callId}/action-items`), { params: Promise.resolve({ id: callId }) });
    return { response, body: (await response.json()) as { summary: { text: string; provider: string } | null; items: ActionItemJson[] } & ErrorBody };
  };
  const patch = async (itemId: string, body: unknown) => {
    const response = await itemRoute.PATCH(json("PATCH", `/api/action-items/${itemId}`, body), { params: Promise.resolve({ id: itemId }) });
    return { response, body: (await response.json()) as { item: ActionItemJson } & ErrorBody };
  };
  const inbox = async (query = "") => inboxRoute.GET(new Request(`${BASE}/api/action-items${query}`), { params: Promise.resolve({}) });
  const inboxItems = async (query = "") => ((await (await inbox(query)).json()) as { items: ActionItemJson[] }).items;

  it("lists a call's summary and items, in source order", async () => {
    const call = await processedCall(alice);
    const { response, body } = await listCall(call.id);
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("private, no-store");
    expect(body.summary).toMatchObject({ text: "Proposal by Friday.", provider: "local" });
    expect(body.items.map((item) => [item.title, item.owner.speakerId, item.sourceSegmentIds, item.origin, item.userModified])).toEqual([
      ["Send the proposal", "A", ["s0001"], "GENERATED", false],
      ["Loop in finance", "B", ["s0002"], "GENERATED", false],
    ]);
  });

  it("answers summary null before the analysis ran, and 404 for a missing or another user's call", async () => {
    const fresh = await createCall(t.db, alice.id, { title: "Fresh" });
    expect((await listCall(fresh.id)).body).toEqual({ summary: null, items: [] });
    const bobs = await processedCall(bob);
    for (const id of [bobs.id, MISSING_ID, "not-a-uuid"]) {
      const { response, body } = await listCall(id);
      expect(response.status).toBe(404);
      expect(body.error.message).toBe("Call not found.");
    }
  });

  it("adds a manual item with an owner of the call, 'me', or nobody", async () => {
    const call = await processedCall(alice);
    const post = (body: unknown, id = call.id) => callItemsRoute.POST(json("POST", `/api/calls/${id}/action-items`, body), { params: Promise.resolve({ id }) });

    const mine = await post({ title: "  Book the follow-up  ", dueDate: "2026-03-10", priority: "high", owner: { me: true } });
    expect(mine.status).toBe(201);
    const { item } = (await mine.json()) as { item: ActionItemJson };
    expect(item).toMatchObject({ title: "Book the follow-up", dueDate: "2026-03-10", priority: "high", origin: "MANUAL", userModified: true, status: "OPEN" });
    expect(item.owner).toEqual({ speakerId: null, label: null, displayName: "Alice Archer", role: "SELF" });

    const theirs = (await (await post({ title: "Send pricing", owner: { speakerId: "B" } })).json()) as { item: ActionItemJson };
    expect(theirs.item.owner).toMatchObject({ speakerId: "B", label: "Speaker 2", role: "UNKNOWN" });

    const unknownSpeaker = await post({ title: "x", owner: { speakerId: "Z" } });
    expect(unknownSpeaker.status).toBe(400);
    expect(((await unknownSpeaker.json()) as ErrorBody).error.details?.[0]?.path).toBe("owner.speakerId");

    for (const bad of [{}, { title: "   " }, { title: "x".repeat(201) }, { title: "ok", dueDate: "2026-02-30" }, { title: "ok", priority: "urgent" }, { title: "ok", status: "DONE" }]) {
      expect((await post(bad)).status).toBe(400);
    }
    const malformed = await callItemsRoute.POST(json("POST", `/api/calls/${call.id}/action-items`, "{not json"), { params: Promise.resolve({ id: call.id }) });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as ErrorBody).error.code).toBe("INVALID_JSON");

    const bobs = await processedCall(bob);
    expect((await post({ title: "Sneaky" }, bobs.id)).status).toBe(404);
    expect((await t.db.select().from(actionItems).where(eq(actionItems.callRecordId, bobs.id))).map((row) => row.title)).not.toContain("Sneaky");
  });

  it("edits, completes, reopens and snoozes an item; every change marks it as the user's", async () => {
    const call = await processedCall(alice);
    const [first] = (await listCall(call.id)).body.items;

    const edited = await patch(first!.id, { title: "Send the revised proposal", description: "With the new pricing", dueDate: "2026-03-09", priority: "high", owner: { speakerId: "B" } });
    expect(edited.response.status).toBe(200);
    expect(edited.body.item).toMatchObject({ title: "Send the revised proposal", description: "With the new pricing", dueDate: "2026-03-09", priority: "high", userModified: true });
    expect(edited.body.item.owner.speakerId).toBe("B");

    const done = await patch(first!.id, { status: "DONE" });
    expect(done.body.item.status).toBe("DONE");
    expect(done.body.item.completedAt).not.toBeNull();
    const doneAgain = await patch(first!.id, { status: "DONE" });
    expect(doneAgain.body.item.completedAt).toBe(done.body.item.completedAt);

    const reopened = await patch(first!.id, { status: "OPEN" });
    expect(reopened.body.item).toMatchObject({ status: "OPEN", completedAt: null, snoozedUntil: null });

    const until = new Date(Date.now() + 86_400_000).toISOString();
    const snoozed = await patch(first!.id, { status: "SNOOZED", snoozedUntil: until });
    expect(snoozed.body.item).toMatchObject({ status: "SNOOZED", snoozedUntil: until, completedAt: null });

    const clearedDue = await patch(first!.id, { dueDate: null, description: "" });
    expect(clearedDue.body.item).toMatchObject({ dueDate: null, description: null, status: "SNOOZED" });
  });

  it("refuses bad changes with a clear 400 and changes nothing", async () => {
    const call = await processedCall(alice);
    const [first] = (await listCall(call.id)).body.items;
    const cases: [unknown, string][] = [
      [{ status: "SNOOZED" }, "snoozedUntil"],
      [{ status: "SNOOZED", snoozedUntil: new Date(Date.now() - 60_000).toISOString() }, "snoozedUntil"],
      [{ snoozedUntil: new Date(Date.now() + 60_000).toISOString() }, "status"],
      [{ status: "ARCHIVED" }, "status"],
      [{ title: "" }, "title"],
      [{ callRecordId: MISSING_ID }, ""],
      [{ owner: { speakerId: "nobody" } }, "owner.speakerId"],
    ];
    for (const [body, field] of cases) {
      const { response, body: error } = await patch(first!.id, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      if (field) expect(error.error.details?.map((detail) => detail.path)).toContain(field);
    }
    const malformed = await itemRoute.PATCH(json("PATCH", `/api/action-items/${first!.id}`, "{"), { params: Promise.resolve({ id: first!.id }) });
    expect(malformed.status).toBe(400);
    const [unchanged] = (await listCall(call.id)).body.items;
    expect(unchanged).toEqual(first);
  });

  it("another user's item is answered 404 for PATCH and DELETE, exactly like a missing one", async () => {
    const bobs = await processedCall(bob);
    world.user = bob;
    const [bobsItem] = (await listCall(bobs.id)).body.items;
    world.user = alice;
    const answers = [];
    for (const id of [bobsItem!.id, MISSING_ID, "x"]) {
      const patched = await patch(id, { title: "Mine now" });
      const deleted = await itemRoute.DELETE(new Request(`${BASE}/api/action-items/${id}`, { method: "DELETE" }), { params: Promise.resolve({ id }) });
      answers.push([patched.response.status, patched.body, deleted.status, await deleted.text()]);
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]![0]).toBe(404);
    expect(answers[0]![2]).toBe(404);
    world.user = bob;
    expect((await listCall(bobs.id)).body.items[0]!.title).toBe(bobsItem!.title);
  });

  it("deletes the user's own item", async () => {
    const call = await processedCall(alice);
    const [first, second] = (await listCall(call.id)).body.items;
    const deleted = await itemRoute.DELETE(new Request(`${BASE}/api/action-items/${first!.id}`, { method: "DELETE" }), { params: Promise.resolve({ id: first!.id }) });
    expect(deleted.status).toBe(204);
    expect((await listCall(call.id)).body.items.map((item) => item.id)).toEqual([second!.id]);
  });

  it("a snoozed item whose time has passed is OPEN again", async () => {
    const call = await processedCall(alice);
    const [first] = (await listCall(call.id)).body.items;
    await t.db.update(actionItems).set({ status: "SNOOZED", snoozedUntil: new Date(Date.now() - 1000) }).where(eq(actionItems.id, first!.id));
    const [woken] = (await listCall(call.id)).body.items;
    expect(woken).toMatchObject({ status: "OPEN", snoozedUntil: null });
  });

  it("the inbox lists items across the user's calls: theirs first, by due date, filtered", async () => {
    world.user = await upsertUserByExternalId(t.db, { externalUserId: `inbox-${kind}`, displayName: "Ivy" });
    const user = world.user;
    const early = await processedCall(user, "Early call", new Date("2026-03-01T10:00:00Z"));
    const late = await processedCall(user, "Late call", new Date("2026-03-04T10:00:00Z"));
    await processedCall(bob, "Bob's call");
    const [lateFirst, lateSecond] = (await listCall(late.id)).body.items;
    await patch(lateSecond!.id, { owner: { me: true } });
    await patch(lateFirst!.id, { status: "DONE" });

    const all = await inboxItems("?status=all");
    expect(all.map((item) => [item.call?.title, item.title, item.owner.role])).toEqual([
      ["Late call", "Loop in finance", "SELF"],
      ["Late call", "Send the proposal", "UNKNOWN"],
      ["Early call", "Send the proposal", "UNKNOWN"],
      ["Early call", "Loop in finance", "UNKNOWN"],
    ]);
    expect(all[0]!.call).toMatchObject({ id: late.id, title: "Late call", contactName: "Carol Customer" });

    expect((await inboxItems("?status=OPEN")).map((item) => item.title)).toEqual(["Loop in finance", "Send the proposal", "Loop in finance"]);
    expect((await inboxItems("?status=DONE")).map((item) => item.id)).toEqual([lateFirst!.id]);
    expect((await inboxItems("?owner=me")).map((item) => item.id)).toEqual([lateSecond!.id]);
    expect((await inboxItems(`?callId=${early.id}`)).every((item) => item.callId === early.id)).toBe(true);
    expect((await inboxItems(`?callId=${MISSING_ID}`))).toEqual([]);
    // Due 2026-03-06 is overdue on the 7th, due "today" on the 6th, not yet on the 5th.
    expect((await inboxItems("?due=overdue&today=2026-03-07&status=all")).map((item) => item.dueDate)).toEqual(["2026-03-06", "2026-03-06"]);
    expect((await inboxItems("?due=overdue&today=2026-03-06")).length).toBe(0);
    expect((await inboxItems("?due=today&today=2026-03-06&status=OPEN")).length).toBe(1);
    expect((await inboxItems("?due=none")).every((item) => item.dueDate === null)).toBe(true);

    for (const bad of ["?status=LATER", "?owner=you", "?due=yesterday", "?format=xml", "?today=2026-13-01", "?limit=0", "?limit=201", "?limit=two", "?cursor=garbage"]) {
      expect((await inbox(bad)).status, bad).toBe(400);
    }

    // A page at a time: the pages join up to the whole list, and the last one says there is no more.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await inbox(`?status=all&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as { items: ActionItemJson[]; nextCursor: string | null };
      paged.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.map((item) => item.id));
    // Another user's cursor shows nothing of theirs: it only says where to start in the asker's own list.
    const firstPage = (await (await inbox("?status=all&limit=1")).json()) as { nextCursor: string };
    world.user = bob;
    const bobsView = (await (await inbox(`?status=all&cursor=${encodeURIComponent(firstPage.nextCursor)}`)).json()) as { items: ActionItemJson[] };
    const ivysIds = new Set(all.map((item) => item.id));
    expect(bobsView.items.length).toBeGreaterThan(0);
    expect(bobsView.items.some((item) => ivysIds.has(item.id))).toBe(false);
    world.user = user;
  });

  it("exports the inbox as CSV and as an iCalendar file of due dates", async () => {
    world.user = await upsertUserByExternalId(t.db, { externalUserId: `export-${kind}`, displayName: "Eve" });
    await processedCall(world.user, "Export call");
    const csv = await inbox("?format=csv");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("Content-Disposition")).toMatch(/^attachment; filename="scryon-action-items-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = await csv.text();
    expect(text).toContain("Send the proposal");
    expect(text).toContain("Export call");
    const ics = await inbox("?format=ics");
    expect(ics.headers.get("Content-Type")).toBe("text/calendar; charset=utf-8");
    const calendar = await ics.text();
    expect(calendar.match(/BEGIN:VEVENT/g)).toHaveLength(1); // only the dated item
    expect(calendar).toContain("DTSTART;VALUE=DATE:20260306");
    expect(calendar).toContain("/calls/");
  });

  it("renames a speaker: the transcript and the items it owns follow; marking 'me' makes the other party the contact", async () => {
    const call = await processedCall(alice);
    const rename = async (speakerId: string, body: unknown, id = call.id) => {
      const response = await speakerRoute.PATCH(json("PATCH", `/api/calls/${id}/speakers/${speakerId}`, body), { params: Promise.resolve({ id, speakerId }) });
      return { response, body: (await response.json()) as { speakers: NormalizedTranscript["speakers"] } & ErrorBody };
    };

    const renamed = await rename("B", { displayName: "  Dan from Finance " });
    expect(renamed.response.status).toBe(200);
    expect(renamed.body.speakers.find((speaker) => speaker.id === "B")?.displayName).toBe("Dan from Finance");
    const stored = await loadJsonArtifact<NormalizedTranscript>({ db: t.db, storage: world.storage! }, { userId: alice.id, callId: call.id, type: "NORMALIZED_TRANSCRIPT_JSON" });
    expect(stored?.speakers.find((speaker) => speaker.id === "B")?.displayName).toBe("Dan from Finance");
    let items = (await listCall(call.id)).body.items;
    expect(items.find((item) => item.owner.speakerId === "B")?.owner.displayName).toBe("Dan from Finance");
    // A rename is not an edit of the items: re-analysis may still replace them.
    expect(items.every((item) => !item.userModified)).toBe(true);

    const me = await rename("A", { isMe: true });
    expect(me.body.speakers.map((speaker) => [speaker.id, speaker.role, speaker.displayName])).toEqual([
      ["A", "SELF", "Alice Archer"],
      ["B", "COUNTERPARTY", "Dan from Finance"],
    ]);
    items = (await listCall(call.id)).body.items;
    expect(items.map((item) => [item.owner.speakerId, item.owner.role, item.owner.displayName])).toEqual([
      ["A", "SELF", "Alice Archer"],
      ["B", "COUNTERPARTY", "Dan from Finance"],
    ]);
    // The inbox's "mine" follows.
    expect((await inboxItems(`?owner=me&callId=${call.id}`)).map((item) => item.owner.speakerId)).toEqual(["A"]);

    const switched = await rename("B", { isMe: true });
    expect(switched.body.speakers.map((speaker) => [speaker.id, speaker.role, speaker.displayName])).toEqual([
      ["A", "COUNTERPARTY", "Carol Customer"],
      ["B", "SELF", "Dan from Finance"],
    ]);

    expect((await rename("Z", { displayName: "Zed" })).response.status).toBe(404);
    expect((await rename("A", {})).response.status).toBe(400);
    expect((await rename("A", { displayName: "x".repeat(81) })).response.status).toBe(400);
    const fresh = await createCall(t.db, alice.id, { title: "Not processed" });
    expect((await rename("A", { displayName: "Early" }, fresh.id)).body.error.message).toBe("The transcript is not ready yet.");
    const bobs = await processedCall(bob);
    const foreign = await rename("A", { displayName: "Hijack" }, bobs.id);
    expect(foreign.response.status).toBe(404);
    expect(foreign.body.error.message).toBe("Call not found.");
  });

  it("asks for a session", async () => {
    world.user = null;
    expect((await inbox()).status).toBe(401);
    expect((await patch(MISSING_ID, { title: "x" })).response.status).toBe(401);
  });

  it("analyses a processed call again: 202, analysis removed, queued; 409 before it is processed; 404 for others", async () => {
    const call = await processedCall(alice);
    const reanalyze = (id: string) => reanalyzeRoute.POST(new Request(`${BASE}/api/calls/${id}/reanalyze`, { method: "POST" }), { params: Promise.resolve({ id }) });
    const ref = { userId: alice.id, callId: call.id };

    expect((await reanalyze(call.id)).status).toBe(409); // still UPLOADING in this test's world
    await t.db.update(callRecords).set({ status: "COMPLETED" }).where(eq(callRecords.id, call.id));
    world.sent = [];
    const accepted = await reanalyze(call.id);
    expect(accepted.status).toBe(202);
    expect((await getCall(t.db, ref))?.status).toBe("QUEUED");
    expect(await getArtifact(t.db, { ...ref, type: "ANALYSIS_JSON" })).toBeNull();
    expect(await getArtifact(t.db, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" })).not.toBeNull();
    expect(world.sent).toEqual([expect.objectContaining({ name: "call/queued", data: { callId: call.id, userId: alice.id } })]);
    // The items stay until the new analysis replaces the untouched ones.
    expect((await listCall(call.id)).body.items).toHaveLength(2);
    expect((await reanalyze(call.id)).status).toBe(409); // already queued
    await transitionCallStatus(t.db, { callId: call.id, from: "QUEUED", to: "PROCESSING" });

    const bobs = await processedCall(bob);
    const foreign = await reanalyze(bobs.id);
    expect(foreign.status).toBe(404);
    world.user = null;
    expect((await reanalyze(call.id)).status).toBe(401);
  });

  it("lists a call's speakers and saves several speaker edits together, or none of them", async () => {
    const call = await processedCall(alice);
    const ctx = (id: string) => ({ params: Promise.resolve({ id }) });
    const listed = await speakersRoute.GET(new Request(`${BASE}/api/calls/${call.id}/speakers`), ctx(call.id));
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { speakers: { id: string }[] }).speakers.map((speaker) => speaker.id)).toEqual(["A", "B"]);

    const batch = (body: unknown, id = call.id) => speakersRoute.PATCH(json("PATCH", `/api/calls/${id}/speakers`, body), ctx(id));
    const saved = await batch({ edits: [{ speakerId: "A", isMe: true }, { speakerId: "B", displayName: "Dan" }] });
    expect(saved.status).toBe(200);
    expect(((await saved.json()) as { speakers: NormalizedTranscript["speakers"] }).speakers.map((speaker) => [speaker.id, speaker.role, speaker.displayName])).toEqual([
      ["A", "SELF", "Alice Archer"],
      ["B", "COUNTERPARTY", "Dan"],
    ]);
    expect((await listCall(call.id)).body.items.map((item) => item.owner.displayName)).toEqual(["Alice Archer", "Dan"]);

    // An unknown speaker anywhere in the batch saves nothing.
    const refused = await batch({ edits: [{ speakerId: "B", displayName: "Changed" }, { speakerId: "Z", displayName: "Nobody" }] });
    expect(refused.status).toBe(404);
    const stored = await loadJsonArtifact<NormalizedTranscript>({ db: t.db, storage: world.storage! }, { userId: alice.id, callId: call.id, type: "NORMALIZED_TRANSCRIPT_JSON" });
    expect(stored?.speakers.find((speaker) => speaker.id === "B")?.displayName).toBe("Dan");

    for (const bad of [{}, { edits: [] }, { edits: [{ speakerId: "A" }] }, { edits: [{ displayName: "x" }] }, { edits: [{ speakerId: "A", role: "SELF" }] }]) {
      expect((await batch(bad)).status, JSON.stringify(bad)).toBe(400);
    }
    const bobs = await processedCall(bob);
    expect((await batch({ edits: [{ speakerId: "A", displayName: "Hijack" }] }, bobs.id)).status).toBe(404);
    expect((await speakersRoute.GET(new Request(`${BASE}/api/calls/${bobs.id}/speakers`), ctx(bobs.id))).status).toBe(404);
    const fresh = await createCall(t.db, alice.id, { title: "Not processed" });
    expect((await speakersRoute.GET(new Request(`${BASE}/api/calls/${fresh.id}/speakers`), ctx(fresh.id))).status).toBe(404);
  });
});
