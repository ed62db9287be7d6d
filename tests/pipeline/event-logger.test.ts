import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countStageAttempts, deleteEventsOlderThan, latestStages, listCallEvents } from "@/db/queries/events";
import { createCall } from "@/db/queries/calls";
import { upsertUserByExternalId } from "@/db/queries/users";
import { callProcessingEvents } from "@/db/schema";
import { classifyError, errorFromStatus, sanitizeErrorMessage, StageError } from "@/lib/pipeline/errors";
import { ProcessingEventLogger } from "@/lib/pipeline/event-logger";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";

describe("error classification", () => {
  it.each([
    [408, "PROVIDER_TIMEOUT", true],
    [429, "PROVIDER_RATE_LIMITED", true],
    [500, "PROVIDER_UNAVAILABLE", true],
    [503, "PROVIDER_UNAVAILABLE", true],
    [400, "PROVIDER_REJECTED", false],
    [401, "PROVIDER_REJECTED", false],
    [413, "PROVIDER_REJECTED", false],
  ])("HTTP %i → %s (transient: %s)", (status, code, transient) => {
    const error = errorFromStatus(status, "Deepgram");
    expect(error.code).toBe(code);
    expect(error.transient).toBe(transient);
  });

  it("treats timeouts and refused connections as transient, bad audio as permanent", () => {
    expect(classifyError(Object.assign(new Error("x"), { name: "TimeoutError" })).transient).toBe(true);
    expect(classifyError(Object.assign(new Error("connect"), { code: "ECONNREFUSED" })).code).toBe("PROVIDER_UNAVAILABLE");
    const probe = Object.assign(new Error("Audio file is empty"), { name: "AudioProbeError" });
    expect(classifyError(probe)).toMatchObject({ code: "AUDIO_UNDECODABLE", transient: false });
    expect(classifyError(Object.assign(new Error("spawn pocketsphinx ENOENT"), { code: "ENOENT" }))).toMatchObject({
      code: "ENGINE_UNAVAILABLE",
      transient: false,
    });
    const own = new StageError("INVALID_CONFIG", "No API key", false);
    expect(classifyError(own)).toBe(own);
    expect(classifyError("weird")).toMatchObject({ code: "INTERNAL", transient: true });
  });
});

describe("sanitizeErrorMessage", () => {
  it("keeps one short line without stacks, paths, keys or tokens", () => {
    const message = sanitizeErrorMessage(
      "Request failed: Bearer sk-abcdefghijklmnop1234 at https://user:pw@api.example.com/v1/listen?key=s3cr3t in /srv/app/.data/blob/users/1/x.wav\n    at foo (/srv/app/lib/x.ts:1:1)",
    );
    expect(message).not.toContain("sk-abcdefghijklmnop1234");
    expect(message).not.toContain("s3cr3t");
    expect(message).not.toContain("pw@");
    expect(message).not.toContain("/srv/app");
    expect(message).not.toContain("\n");
    expect(message).toContain("https://api.example.com/v1/listen");
    expect(sanitizeErrorMessage("x".repeat(1000)).length).toBe(300);
    expect(sanitizeErrorMessage("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")).toBe("token [redacted]");
  });
});

describe.each(databaseKinds())("ProcessingEventLogger on %s", (kind) => {
  let t: TestDatabase;
  let userId: string;
  let callId: string;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    userId = (await upsertUserByExternalId(t.db, { externalUserId: `logger-${kind}` })).id;
    callId = (await createCall(t.db, userId, { title: "c" })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it("logs STARTED then COMPLETED with the duration and provider", async () => {
    let clock = 1000;
    const logger = new ProcessingEventLogger(t.db, () => clock);
    const result = await logger.run({ callId, userId, stage: "AUDIO_PREP", provider: "local" }, async () => {
      clock += 250;
      return 42;
    });
    expect(result).toBe(42);
    const events = await listCallEvents(t.db, { userId, callId });
    expect(events.map((event) => [event.stage, event.status, event.provider, event.durationMs])).toEqual([
      ["AUDIO_PREP", "STARTED", "local", null],
      ["AUDIO_PREP", "COMPLETED", "local", 250],
    ]);
  });

  it("logs FAILED with a short code and a sanitized message, and rethrows the classified error", async () => {
    const logger = new ProcessingEventLogger(t.db);
    const failure = logger.run({ callId, userId, stage: "TRANSCRIPTION", provider: "deepgram" }, async () => {
      throw errorFromStatus(503, "Deepgram");
    });
    await expect(failure).rejects.toMatchObject({ code: "PROVIDER_UNAVAILABLE", transient: true });
    const failed = (await listCallEvents(t.db, { userId, callId })).filter((event) => event.status === "FAILED");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ errorCode: "PROVIDER_UNAVAILABLE", errorMessage: "Deepgram is unavailable (HTTP 503)." });
    await logger.skipped({ callId, userId, stage: "DIARIZATION" });
    const attempts = await countStageAttempts(t.db, callId);
    expect(Object.fromEntries(attempts.map((row) => [row.stage, Number(row.attempts)]))).toEqual({ AUDIO_PREP: 1, TRANSCRIPTION: 1 });
  });

  it("knows the stage each call is at (its latest event)", async () => {
    const other = (await createCall(t.db, userId, { title: "other" })).id;
    const at = (second: number) => new Date(Date.UTC(2026, 10, 1, 12, 0, second));
    await t.db.insert(callProcessingEvents).values([
      { callId: other, userId, stage: "AUDIO_PREP", status: "COMPLETED", createdAt: at(1) },
      { callId: other, userId, stage: "TRANSCRIPTION", status: "STARTED", createdAt: at(2) },
    ]);
    const stages = await latestStages(t.db, [other]);
    expect(stages.get(other)).toBe("TRANSCRIPTION");
    expect((await latestStages(t.db, [])).size).toBe(0);
  });

  it("shows another user nothing, and trims old events in bounded batches", async () => {
    const other = await upsertUserByExternalId(t.db, { externalUserId: `logger-other-${kind}` });
    expect(await listCallEvents(t.db, { userId: other.id, callId })).toEqual([]);
    await t.db.insert(callProcessingEvents).values(
      Array.from({ length: 5 }, () => ({ callId, userId, stage: "UPLOAD" as const, status: "COMPLETED" as const, createdAt: new Date("2020-01-01") })),
    );
    expect(await deleteEventsOlderThan(t.db, { olderThan: new Date("2021-01-01"), limit: 3 })).toBe(3);
    expect(await deleteEventsOlderThan(t.db, { olderThan: new Date("2021-01-01"), limit: 3 })).toBe(2);
    expect(await deleteEventsOlderThan(t.db, { olderThan: new Date("2021-01-01"), limit: 3 })).toBe(0);
  });
});
