import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getArtifact } from "@/db/queries/artifacts";
import { deleteArtifactById } from "@/db/queries/sweeper";
import { createCall, InvalidCursorError, transitionCallStatus, updateCall } from "@/db/queries/calls";
import { countCallEntries } from "@/db/queries/search";
import { upsertUserByExternalId } from "@/db/queries/users";
import { actionItems, callSearchEntries, type CallRecord } from "@/db/schema";
import { changeActionItem } from "@/lib/action-items/service";
import type { AnalysisProvider, AnalysisResult } from "@/lib/analysis/types";
import { deleteCallEverywhere } from "@/lib/calls/lifecycle";
import { saveJsonArtifact } from "@/lib/pipeline/artifacts";
import { runAnalysis, runNormalization, type PipelineDeps } from "@/lib/pipeline/stages";
import { backfillSearchIndex, indexTranscript } from "@/lib/search/indexer";
import { searchCalls, type SearchHit } from "@/lib/search/service";
import { snippetParts } from "@/lib/search/snippet";
import { updateCallSpeakers } from "@/lib/speakers/update";
import type { DiarizationResult, TranscriptionResult } from "@/lib/speech/types";
import { createLocalStorage, diarizationKey, transcriptRawKey } from "@/lib/storage";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

/**
 * Search across calls on a small corpus, through the real stages: NORMALIZATION indexes the transcript,
 * ANALYSIS the summary (and the action items through the triggers), on PGlite and PostgreSQL.
 */

/** A call's lines: [speaker, text], one second each, as diarization + transcription results. */
function speech(lines: [string, string][]): { diarization: DiarizationResult; transcription: TranscriptionResult; duration: number } {
  const words: TranscriptionResult["words"] = [];
  const segments: DiarizationResult["segments"] = [];
  let at = 0;
  for (const [speaker, text] of lines) {
    const start = at;
    for (const word of text.split(" ")) {
      words.push({ text: word, start: at, end: at + 0.2, confidence: 0.9 });
      at += 0.25;
    }
    segments.push({ speaker, start, end: at });
    at += 2; // a pause: the next line is its own segment
  }
  return {
    diarization: { speakers: [{ id: "S1", label: "Speaker 1" }, { id: "S2", label: "Speaker 2" }], segments },
    transcription: { language: "en", quality: "standard", words },
    duration: at,
  };
}

let analysisOutput: (transcript: NormalizedTranscript) => AnalysisResult = () => ({ summary: "", actionItems: [] });
const analysis: AnalysisProvider = {
  name: "fake-analysis",
  model: "fake-1",
  async analyze({ transcript }) {
    return analysisOutput(transcript);
  },
};

describe.each(databaseKinds())("search across calls on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let deps: PipelineDeps;
  let alice: string;
  let bob: string;
  const calls: Record<string, CallRecord> = {};

  async function processCall(userId: string, title: string, recordedAt: string, lines: [string, string][], result: AnalysisResult): Promise<CallRecord> {
    const { diarization, transcription, duration } = speech(lines);
    let call = await createCall(t.db, userId, { title, recordedAt: new Date(recordedAt), durationSeconds: duration });
    const ref = { userId, callId: call.id };
    await saveJsonArtifact(deps, { ...ref, type: "DIARIZATION_JSON", key: diarizationKey(userId, call.id), value: diarization });
    await saveJsonArtifact(deps, { ...ref, type: "RAW_TRANSCRIPT_JSON", key: transcriptRawKey(userId, call.id), value: transcription });
    await runNormalization(deps, ref);
    analysisOutput = () => result;
    await runAnalysis(deps, ref);
    call = await transitionCallStatus(t.db, { callId: call.id, from: "UPLOADING", to: "QUEUED" });
    return call;
  }

  const search = (userId: string, query: string, cursor?: string | null, limit?: number) => searchCalls(t.db, { userId, query, cursor, limit });
  const texts = (hits: SearchHit[]) => hits.map((hit) => hit.snippet.text);
  const matched = (hit: SearchHit) => hit.snippet.highlights.map(([from, to]) => hit.snippet.text.slice(from, to).toLowerCase());

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-search-"));
    deps = {
      db: t.db,
      storage: createLocalStorage(path.join(root, "blob")),
      workRoot: path.join(root, "work"),
      diarization: { name: "unused", diarize: async () => { throw new Error("unused"); } },
      transcription: { name: "unused", transcribe: async () => { throw new Error("unused"); } },
      voiceprint: { name: "unused", model: "m", modelVersion: "1", threshold: 0.5, enroll: async () => ({ embedding: [] }), identify: async () => [] },
      analysis,
      voiceConsentVersion: "v1",
      timeZone: "UTC",
      audioRetentionDays: 30,
    };
    alice = (await upsertUserByExternalId(t.db, { externalUserId: `search-alice-${kind}`, displayName: "Alice" })).id;
    bob = (await upsertUserByExternalId(t.db, { externalUserId: `search-bob-${kind}`, displayName: "Bob" })).id;

    calls.older = await processCall(alice, "Budget review", "2026-01-10T10:00:00Z", [
      ["S1", "the budget for marketing is too high"],
      ["S2", "we signed the renewal contract yesterday"],
      ["S1", "budget budget budget we must cut the budget"],
    ], {
      summary: "They reviewed the marketing budget and the renewal.",
      actionItems: [{ title: "Send the revised budget to finance", description: null, dueDate: null, priority: "high", ownerSpeakerId: "S1", sourceSegmentIds: ["s0003"], sourceText: "budget" }],
    });
    calls.newer = await processCall(alice, "Invoice follow-up", "2026-02-01T10:00:00Z", [
      ["S1", "the invoice was paid late"],
      ["S2", "the contract renewal is next month"],
      ["S1", "our budgets are fine <b>really</b> \u0001 trust me"],
    ], { summary: "An overdue invoice.", actionItems: [] });
    calls.bobs = await processCall(bob, "Bob's budget call", "2026-03-01T10:00:00Z", [["S1", "bob talks about the budget of his team"]], {
      summary: "Bob's budget.",
      actionItems: [],
    });
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it("finds transcript segments, summaries and action items: newest call first, the best match of a call first, with highlighted snippets", async () => {
    const page = await search(alice, "budget");
    expect(page.noSearchableWords).toBe(false);
    // The newer call ("budgets": stemmed) before the older one; Bob's call never.
    expect(page.items.map((hit) => hit.call.id)).toEqual([calls.newer!.id, ...Array(4).fill(calls.older!.id)]);
    const older = page.items.slice(1);
    // ts_rank within the call: four "budget"s beat one.
    expect(older[0]!.snippet.text).toBe("budget budget budget we must cut the budget");
    expect(new Set(older.map((hit) => hit.kind))).toEqual(new Set(["segment", "summary", "action_item"]));
    for (const hit of page.items) {
      expect(matched(hit).length, hit.snippet.text).toBeGreaterThan(0);
      for (const word of matched(hit)) expect(word).toMatch(/^budgets?$/);
    }
    const segment = older[0]!;
    expect(segment).toMatchObject({ kind: "segment", segmentId: "s0003", speaker: { id: "S1", label: "Speaker 1" }, call: { title: "Budget review" } });
    expect(segment.startSeconds).toBeGreaterThan(0);
    expect(segment.href).toBe(`/calls/${calls.older!.id}?t=${segment.startSeconds}&segment=s0003`);
    // An action item opens the call at the segment it came from.
    const item = older.find((hit) => hit.kind === "action_item")!;
    expect(item).toMatchObject({ segmentId: "s0003", startSeconds: segment.startSeconds, snippet: { text: "Send the revised budget to finance" } });
    const summary = older.find((hit) => hit.kind === "summary")!;
    expect(summary).toMatchObject({ speaker: null, startSeconds: null, href: `/calls/${calls.older!.id}` });
  });

  it("snippets are plain text: markup and marker characters in the text are text, never highlights", async () => {
    const [hit] = (await search(alice, "trust")).items;
    expect(hit!.snippet.text).toContain("<b>really</b>");
    expect(hit!.snippet.text).not.toContain("\u0001");
    expect(matched(hit!)).toEqual(["trust"]);
    expect(snippetParts(hit!.snippet).filter((part) => part.match).map((part) => part.text)).toEqual(["trust"]);
  });

  it("understands websearch syntax: quoted phrases, or, -word", async () => {
    // The phrase in this order is in the older call only ("contract renewal" is the newer call's).
    expect(texts((await search(alice, '"renewal contract"')).items)).toEqual(["we signed the renewal contract yesterday"]);
    expect(texts((await search(alice, "renewal contract")).items).sort()).toEqual(
      ["the contract renewal is next month", "we signed the renewal contract yesterday"].sort(),
    );
    const either = texts((await search(alice, "invoice or yesterday")).items);
    expect(either).toEqual(expect.arrayContaining(["the invoice was paid late", "we signed the renewal contract yesterday", "An overdue invoice."]));
    expect(either).toHaveLength(3);
    const without = texts((await search(alice, "budget -marketing")).items);
    expect(without).toContain("budget budget budget we must cut the budget");
    expect(without.some((text) => text.includes("marketing"))).toBe(false);
    // Only stop words: nothing to match, and it says so.
    expect(await search(alice, "the and of")).toEqual({ items: [], nextCursor: null, noSearchableWords: true });
    // Unbalanced quotes and stray operators are not errors.
    expect((await search(alice, '"budget -')).items.length).toBeGreaterThan(0);
  });

  it("keeps users apart", async () => {
    const page = await search(bob, "budget");
    expect(page.items.map((hit) => hit.call.id)).toEqual([calls.bobs!.id, calls.bobs!.id]);
    expect(JSON.stringify(await search(bob, "invoice or renewal or finance"))).not.toContain(calls.older!.id);
    expect((await search(alice, "bob team")).items).toEqual([]);
  });

  it("pages with a stable cursor: every result once, in the same order as one page; a forged cursor is refused", async () => {
    const all = (await search(alice, "budget or renewal or invoice", null, 100)).items;
    expect(all.length).toBeGreaterThan(6);
    const paged: SearchHit[] = [];
    let cursor: string | null = null;
    do {
      const page = await search(alice, "budget or renewal or invoice", cursor, 2);
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged.map((hit) => hit.id)).toEqual(all.map((hit) => hit.id));
    for (const bad of ["nope", Buffer.from(JSON.stringify(["2026-01-01T00:00:00Z", "x", "1", "y"])).toString("base64url"), Buffer.from('["0000-01-01","00000000-0000-0000-0000-000000000000","1; drop","00000000-0000-0000-0000-000000000000"]').toString("base64url")]) {
      await expect(search(alice, "budget", bad)).rejects.toBeInstanceOf(InvalidCursorError);
    }
  });

  it("follows a speaker rename, an action item edit and a new recording time", async () => {
    const result = await updateCallSpeakers(deps, { userId: alice, callId: calls.older!.id, edits: [{ speakerId: "S1", displayName: "Dana Budgeteer" }] });
    expect(result.ok).toBe(true);
    const hits = (await search(alice, "cut")).items;
    expect(hits[0]!.speaker).toMatchObject({ id: "S1", name: "Dana Budgeteer" });
    // The item's owner was S1: the trigger followed the rename of its owner too.
    expect((await search(alice, "finance")).items[0]!.speaker).toMatchObject({ name: "Dana Budgeteer" });

    const [item] = await t.db.select().from(actionItems).where(eq(actionItems.callRecordId, calls.older!.id));
    await changeActionItem(deps, { userId: alice, itemId: item!.id, input: { title: "Email the spreadsheet to accounting" } });
    expect((await search(alice, "finance")).items).toEqual([]);
    expect(texts((await search(alice, "spreadsheet")).items)).toEqual(["Email the spreadsheet to accounting"]);

    // Moved before the newer call: its results come second now.
    await updateCall(t.db, { userId: alice, callId: calls.newer!.id, patch: { recordedAt: new Date("2025-12-01T00:00:00Z") } });
    expect((await search(alice, "budget")).items.at(-1)!.call.id).toBe(calls.newer!.id);
    await updateCall(t.db, { userId: alice, callId: calls.newer!.id, patch: { recordedAt: new Date("2026-02-01T10:00:00Z") } });
  });

  it("re-analysis replaces the summary and the generated items; a re-run stage never duplicates rows", async () => {
    const ref = { userId: alice, callId: calls.newer!.id };
    const before = await countCallEntries(t.db, ref.callId);
    expect(before).toEqual({ segment: 3, summary: 1, action_item: 0 });

    // As POST /reanalyze does: the analysis artifact goes, the stage runs again with new output.
    const artifact = await getArtifact(t.db, { ...ref, type: "ANALYSIS_JSON" });
    await deleteArtifactById(t.db, artifact!.id);
    analysisOutput = () => ({
      summary: "A late payment was discussed.",
      actionItems: [{ title: "Chase the payment", description: "Call accounts payable", dueDate: null, priority: "medium", ownerSpeakerId: "S2", sourceSegmentIds: ["s0002"], sourceText: "x" }],
    });
    await runAnalysis(deps, ref);
    expect((await search(alice, "overdue")).items).toEqual([]);
    expect(texts((await search(alice, "payment")).items).sort()).toEqual(["A late payment was discussed.", "Chase the payment\nCall accounts payable"].sort());
    expect(await countCallEntries(t.db, ref.callId)).toEqual({ segment: 3, summary: 1, action_item: 1 });

    // A NORMALIZATION that died after indexing, before its artifact: the re-run replaces, never adds.
    const transcript = await getArtifact(t.db, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" });
    await deleteArtifactById(t.db, transcript!.id);
    await runNormalization(deps, ref);
    await runNormalization(deps, ref); // skipped: the artifact is there
    expect(await countCallEntries(t.db, ref.callId)).toEqual({ segment: 3, summary: 1, action_item: 1 });
    // The action item still opens the call at its source segment after its segments were written again.
    const [hit] = (await search(alice, "chase")).items;
    expect(hit).toMatchObject({ segmentId: "s0002" });
    expect(hit!.startSeconds).toBeGreaterThan(0);
  });

  it("a deleted call leaves nothing behind; the backfill indexes calls processed before the index", async () => {
    const doomed = await processCall(alice, "Doomed", "2026-04-01T00:00:00Z", [["S1", "xylophone rehearsal notes"]], { summary: "xylophone", actionItems: [] });
    expect((await search(alice, "xylophone")).items).toHaveLength(2);
    await deleteCallEverywhere(deps, { userId: alice, callId: doomed.id });
    expect((await search(alice, "xylophone")).items).toEqual([]);
    expect(await t.db.select().from(callSearchEntries).where(eq(callSearchEntries.callId, doomed.id))).toEqual([]);

    // As before this feature: the rows of a processed call are missing.
    await t.db.delete(callSearchEntries).where(and(eq(callSearchEntries.callId, calls.older!.id)));
    expect((await search(alice, "yesterday")).items).toEqual([]);
    const result = await backfillSearchIndex(deps, { batchSize: 1 });
    expect(result).toEqual({ transcripts: 1, summaries: 1, actionItems: 1, failed: 0 });
    expect(texts((await search(alice, "spreadsheet")).items)).toEqual(["Email the spreadsheet to accounting"]);
    expect(texts((await search(alice, "yesterday")).items)).toEqual(["we signed the renewal contract yesterday"]);
    // Nothing left to do: a second run indexes nothing.
    expect(await backfillSearchIndex(deps)).toEqual({ transcripts: 0, summaries: 0, actionItems: 0, failed: 0 });
    const again = await indexTranscript(t.db, { userId: bob, callId: calls.older!.id }, { version: 1, language: "en", durationSeconds: 1, quality: "standard", speakers: [], segments: [] });
    expect(again).toBe(0); // another user's call: nothing written
  });
});
