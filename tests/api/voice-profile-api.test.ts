import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "@/db";
import { getArtifact } from "@/db/queries/artifacts";
import { getCall } from "@/db/queries/calls";
import { listCallActionItems } from "@/db/queries/action-items";
import { deleteArtifactById } from "@/db/queries/sweeper";
import { upsertUserByExternalId } from "@/db/queries/users";
import { callProcessingEvents, userVoiceProfiles, users, type User } from "@/db/schema";
import { callQueuedEvent } from "@/inngest/events";
import { receiveMultipartUpload } from "@/lib/calls/multipart-upload";
import { unauthenticated } from "@/lib/http/errors";
import { loadJsonArtifact } from "@/lib/pipeline/artifacts";
import { errorFromStatus } from "@/lib/pipeline/errors";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { MAX_SAMPLE_BYTES } from "@/lib/voice-profile/limits";
import type { VoiceProfileState } from "@/lib/voice-profile/state";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { makeAudio } from "../helpers/make-audio";
import { clipped, filesUnder, oneVoice, silence, startVoiceWorld, tone, writeWav, type VoiceWorld } from "../voice-profile/helpers";

/**
 * The voice-profile routes called directly with Requests, on a real database, local storage and the embedded
 * engine running the real enroll/apply/process functions with fake speech providers. Swapped: the session,
 * the pipeline deps (db, storage, providers, consent version) and the Inngest client's send.
 */

const world = vi.hoisted(() => ({
  user: null as User | null,
  voice: null as VoiceWorld | null,
}));

vi.mock("@/lib/auth/session", () => ({
  requireUser: async () => {
    if (!world.user) throw unauthenticated();
    return world.user;
  },
}));
vi.mock("@/lib/pipeline/deps", () => ({ getPipelineDeps: async () => world.voice!.deps }));
vi.mock("@/db", () => ({ getDb: async () => world.voice!.deps.db }));
vi.mock("@/lib/storage", async (importOriginal) => ({
  ...(await importOriginal<typeof import("@/lib/storage")>()),
  getStorage: () => world.voice!.deps.storage,
}));
vi.mock("@/inngest/client", () => ({
  getInngest: () => ({ send: (event: Parameters<VoiceWorld["engine"]["send"]>[0]) => world.voice!.engine.send(event) }),
}));

const profileRoute = await import("@/app/api/voice-profile/route");
const consentRoute = await import("@/app/api/voice-profile/consent/route");
const applyRoute = await import("@/app/api/voice-profile/apply/route");
const speakersRoute = await import("@/app/api/calls/[id]/speakers/route");

const BASE = "http://localhost/api/voice-profile";
const noParams = { params: Promise.resolve({}) };
type ErrorBody = { error: { code: string; message: string; details?: { reason?: string } } };

const get = async () => (await profileRoute.GET(new Request(BASE), noParams)).json() as Promise<VoiceProfileState>;
const consent = (body: unknown) =>
  consentRoute.POST(new Request(`${BASE}/consent`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) }), noParams);
const remove = () => profileRoute.DELETE(new Request(BASE, { method: "DELETE" }), noParams);
const apply = (body?: string) => applyRoute.POST(new Request(`${BASE}/apply`, { method: "POST", ...(body === undefined ? {} : { body }) }), noParams);

async function sendSample(bytes: Uint8Array, name = "voice-sample.wav", field = "sample"): Promise<Response> {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)]), name);
  return profileRoute.POST(new Request(BASE, { method: "POST", body: form }), noParams);
}

describe.each(databaseKinds())("voice-profile API on %s", (kind) => {
  let t: TestDatabase;
  let root: string;
  let db: Database;
  let samples: { good: Buffer; short: Buffer; silent: Buffer; loud: Buffer };
  let callAudio: Buffer;

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    db = t.db;
    root = await fs.mkdtemp(path.join(os.tmpdir(), "scryon-voice-api-"));
    world.voice = await startVoiceWorld(db, root);
    const dir = path.join(root, "fixtures");
    samples = {
      good: await fs.readFile(await writeWav(path.join(dir, "good.wav"), 12, tone)),
      short: await fs.readFile(await writeWav(path.join(dir, "short.wav"), 5, tone)),
      silent: await fs.readFile(await writeWav(path.join(dir, "silent.wav"), 12, silence)),
      loud: await fs.readFile(await writeWav(path.join(dir, "loud.wav"), 12, clipped)),
    };
    callAudio = await fs.readFile(await makeAudio("wav", { durationSeconds: 2 }));
  }, 60_000);
  afterAll(async () => {
    await world.voice?.stop();
    await t?.close();
    await fs.rm(root, { recursive: true, force: true });
  });
  beforeEach(async () => {
    world.user = await upsertUserByExternalId(db, { externalUserId: `voice-${kind}-${Math.random().toString(36).slice(2)}`, displayName: "Alice" });
    const { control } = world.voice!.speech;
    control.sampleDiarization = oneVoice;
    control.enrollFaults = [];
    control.onEnroll = null;
    control.selfSpeaker = "S1";
    control.selfScore = 0.91;
    world.voice!.deps.voiceConsentVersion = "v1";
  });

  const me = () => world.user!;
  const profileRows = () => db.select().from(userVoiceProfiles).where(eq(userVoiceProfiles.userId, me().id));
  const enrollmentEvents = async () =>
    (await db.select().from(callProcessingEvents).where(and(eq(callProcessingEvents.userId, me().id), eq(callProcessingEvents.stage, "VOICE_ENROLLMENT"))))
      .map((event) => ({ status: event.status, callId: event.callId, errorCode: event.errorCode }));
  // Objects, not the local driver's `~meta.json` sidecars.
  const storedVoiceObjects = async () => (await filesUnder(path.join(root, "blob", "users", me().id, "voice-profile"))).filter((name) => !name.includes("~"));
  const storedVoiceFiles = () => filesUnder(path.join(root, "blob", "users", me().id, "voice-profile"));
  const scratchFiles = () => filesUnder(path.join(root, "work", "voice-enrollment"));
  const giveConsent = async () => expect((await consent({ version: world.voice!.deps.voiceConsentVersion })).status).toBe(200);
  const enroll = async (bytes: Buffer = samples.good) => {
    const response = await sendSample(bytes);
    expect(response.status).toBe(202);
    const body = (await response.json()) as VoiceProfileState;
    expect(body.enrollment?.state).toBe("RUNNING");
    await world.voice!.idle();
    return get();
  };
  const expectNothingOfTheSampleLeft = async () => {
    expect(await storedVoiceFiles()).toEqual([]);
    expect(await scratchFiles()).toEqual([]);
  };

  async function processCall(owner: User = me()) {
    const { deps } = world.voice!;
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(callAudio)]), "Call.wav");
    const call = await receiveMultipartUpload(new Request("http://localhost/api/calls", { method: "POST", body: form }), owner.id, { ...deps, maxUploadBytes: 10 * 1024 * 1024 }, path.join(root, "uploads"));
    await world.voice!.run(callQueuedEvent({ callId: call.id, userId: owner.id }));
    const ref = { userId: owner.id, callId: call.id };
    expect((await getCall(db, ref))?.status).toBe("COMPLETED");
    return ref;
  }
  const speakersOf = async (ref: { userId: string; callId: string }) =>
    (await loadJsonArtifact<NormalizedTranscript>(world.voice!.deps, { ...ref, type: "NORMALIZED_TRANSCRIPT_JSON" }))!.speakers;

  describe("GET", () => {
    it("answers an empty state before anything, and 401 without a session", async () => {
      expect(await get()).toEqual({
        consent: { currentVersion: "v1", consentedVersion: null, consentedAt: null, current: false },
        profile: null,
        enrollment: null,
        apply: null,
      });
      world.user = null;
      expect((await profileRoute.GET(new Request(BASE), noParams)).status).toBe(401);
    });
  });

  describe("consent", () => {
    it("records the current version, and refuses another version (409) or malformed bodies (400) without recording anything", async () => {
      const wrong = await consent({ version: "v0" });
      expect(wrong.status).toBe(409);
      expect(((await wrong.json()) as ErrorBody).error).toMatchObject({ code: "CONFLICT", details: { reason: "CONSENT_VERSION_MISMATCH" } });
      for (const body of ["{not json", "{}", JSON.stringify({ version: "" }), JSON.stringify({ version: 1 }), JSON.stringify({ version: "v1", extra: true }), JSON.stringify({ version: "v\u0000" })]) {
        const response = await consent(body);
        expect(response.status, body).toBe(400);
      }
      expect((await get()).consent.current).toBe(false);

      const ok = await consent({ version: "v1" });
      expect(ok.status).toBe(200);
      const state = (await ok.json()) as VoiceProfileState;
      expect(state.consent).toMatchObject({ currentVersion: "v1", consentedVersion: "v1", current: true });
      expect(Date.parse(state.consent.consentedAt!)).toBeGreaterThan(Date.now() - 60_000);
    });
  });

  describe("POST a sample", () => {
    it("without consent: 409 and nothing read, stored, recorded or enrolled", async () => {
      const response = await sendSample(samples.good);
      expect(response.status).toBe(409);
      expect(((await response.json()) as ErrorBody).error.details?.reason).toBe("CONSENT_REQUIRED");
      await world.voice!.idle();
      expect(await profileRows()).toEqual([]);
      expect(await enrollmentEvents()).toEqual([]);
      expect((await get()).enrollment).toBeNull();
      await expectNothingOfTheSampleLeft();
      expect(await filesUnder(path.join(root, "work", "voice-enrollment", "uploads"))).toEqual([]);
    });

    it("enrolls a good sample: profile ACTIVE and usable, events without a call, and the sample deleted", async () => {
      await giveConsent();
      const state = await enroll();
      expect(state.enrollment).toMatchObject({ state: "SUCCEEDED", errorCode: null, errorMessage: null });
      expect(state.enrollment!.finishedAt).not.toBeNull();
      expect(state.profile).toMatchObject({
        status: "ACTIVE",
        provider: "fake-voice",
        model: "fake-model",
        modelVersion: "1",
        consentVersion: "v1",
        consentedAt: state.consent.consentedAt,
        sampleSeconds: 12,
        usable: true,
        threshold: 0.8,
      });
      expect(JSON.stringify(state)).not.toContain("embedding");
      expect(JSON.stringify(state)).not.toContain("\"me\"");
      const [row] = await profileRows();
      expect(row!.embeddingJson).toEqual({ voice: "me" });
      expect(row!.sampleDurationSeconds).toBeCloseTo(12, 1);
      expect(await enrollmentEvents()).toEqual([
        { status: "STARTED", callId: null, errorCode: null },
        { status: "COMPLETED", callId: null, errorCode: null },
      ]);
      await expectNothingOfTheSampleLeft();
    });

    it("a new recording replaces the profile", async () => {
      await giveConsent();
      const first = await enroll();
      const second = await enroll();
      expect(second.enrollment!.id).not.toBe(first.enrollment!.id);
      expect(await profileRows()).toHaveLength(1);
      expect(Date.parse(second.profile!.enrolledAt)).toBeGreaterThanOrEqual(Date.parse(first.profile!.enrolledAt));
    });

    const refusals: [string, () => Buffer, string, (() => void)?][] = [
      ["too little speech", () => samples.short, "TOO_SHORT"],
      ["silence", () => samples.silent, "SILENT"],
      ["a clipped recording", () => samples.loud, "CLIPPED"],
      [
        "two voices",
        () => samples.good,
        "MULTIPLE_VOICES",
        () => {
          world.voice!.speech.control.sampleDiarization = (seconds) => ({
            speakers: [{ id: "S1", label: "Speaker 1" }, { id: "S2", label: "Speaker 2" }],
            segments: [{ speaker: "S1", start: 0, end: seconds * 0.6 }, { speaker: "S2", start: seconds * 0.6, end: seconds }],
          });
        },
      ],
      ["no speech found by the diarizer", () => samples.good, "SILENT", () => void (world.voice!.speech.control.sampleDiarization = () => ({ speakers: [], segments: [] }))],
      ["audio that does not decode", () => Buffer.concat([samples.good.subarray(0, 44), Buffer.alloc(0)]), "UNREADABLE"],
    ];
    for (const [what, bytes, code, arrange] of refusals) {
      it(`refuses ${what} (${code}) and keeps nothing of it`, async () => {
        arrange?.();
        await giveConsent();
        const state = await enroll(bytes());
        expect(state.enrollment).toMatchObject({ state: "FAILED", errorCode: code });
        expect(state.enrollment!.errorMessage).toMatch(/\w+/);
        expect(state.profile).toBeNull();
        expect(await profileRows()).toEqual([]);
        expect((await enrollmentEvents()).map((event) => `${event.status}:${event.errorCode}`)).toEqual(["STARTED:null", `FAILED:${code}`]);
        await expectNothingOfTheSampleLeft();
      });
    }

    it("a provider that refuses for good: FAILED at once, sample deleted; one that keeps failing: retried, then the sample deleted", async () => {
      await giveConsent();
      world.voice!.speech.control.enrollFaults = [errorFromStatus(400, "Voiceprint")];
      let state = await enroll();
      expect(state.enrollment).toMatchObject({ state: "FAILED", errorCode: "PROVIDER_REJECTED" });
      await expectNothingOfTheSampleLeft();

      const before = world.voice!.speech.control.calls.enroll;
      world.voice!.speech.control.enrollFaults = [errorFromStatus(503, "Voiceprint"), errorFromStatus(503, "Voiceprint"), errorFromStatus(503, "Voiceprint")];
      state = await enroll();
      expect(world.voice!.speech.control.calls.enroll - before).toBe(3);
      expect(state.enrollment).toMatchObject({ state: "FAILED", errorCode: "ENROLL_FAILED" });
      expect(await profileRows()).toEqual([]);
      await expectNothingOfTheSampleLeft();
    });

    it("a transient failure is retried with the sample kept for the retry, then succeeds and deletes it", async () => {
      await giveConsent();
      world.voice!.speech.control.enrollFaults = [errorFromStatus(503, "Voiceprint")];
      const state = await enroll();
      expect(state.enrollment?.state).toBe("SUCCEEDED");
      expect((await enrollmentEvents()).map((event) => event.status)).toEqual(["STARTED", "FAILED", "STARTED", "COMPLETED"]);
      await expectNothingOfTheSampleLeft();
    });

    it("consent withdrawn (profile deleted) while enrolling: nothing is stored", async () => {
      await giveConsent();
      world.voice!.speech.control.onEnroll = async () => {
        expect((await remove()).status).toBe(204);
      };
      const response = await sendSample(samples.good);
      expect(response.status).toBe(202);
      await world.voice!.idle();
      expect(await profileRows()).toEqual([]);
      const state = await get();
      expect(state).toMatchObject({ profile: null, enrollment: null, consent: { current: false } });
      expect((await enrollmentEvents()).at(-1)).toMatchObject({ status: "FAILED", errorCode: "CONSENT_WITHDRAWN" });
      await expectNothingOfTheSampleLeft();
    });

    it("consent withdrawn and given again while enrolling: the old run still stores nothing", async () => {
      await giveConsent();
      world.voice!.speech.control.onEnroll = async () => {
        world.voice!.speech.control.onEnroll = null;
        await remove();
        await giveConsent();
      };
      expect((await sendSample(samples.good)).status).toBe(202);
      await world.voice!.idle();
      expect(await profileRows()).toEqual([]);
      await expectNothingOfTheSampleLeft();
    });

    it("409 while an enrollment runs, with nothing stored for the second sample", async () => {
      await giveConsent();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const inside = new Promise<void>((resolve) => (entered = resolve));
      world.voice!.speech.control.onEnroll = async () => {
        entered();
        await held;
      };
      try {
        expect((await sendSample(samples.good)).status).toBe(202);
        await inside;
        const second = await sendSample(samples.good);
        expect(second.status).toBe(409);
        expect(((await second.json()) as ErrorBody).error.details?.reason).toBe("ENROLLMENT_RUNNING");
        expect((await get()).enrollment?.state).toBe("RUNNING");
        expect(await storedVoiceObjects()).toHaveLength(1); // only the first one's
      } finally {
        release(); // the function's concurrency is 1: a held run would block every later test
      }
      await world.voice!.idle();
      expect((await get()).enrollment?.state).toBe("SUCCEEDED");
      await expectNothingOfTheSampleLeft();
    });

    it("malformed multipart, a missing field, non-audio and oversized bodies: 400/415/413, nothing stored", async () => {
      await giveConsent();
      const notMultipart = await profileRoute.POST(new Request(BASE, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }), noParams);
      expect(notMultipart.status).toBe(400);
      const noBoundary = await profileRoute.POST(new Request(BASE, { method: "POST", headers: { "content-type": "multipart/form-data" }, body: "garbage" }), noParams);
      expect(noBoundary.status).toBe(400);
      const truncated = await profileRoute.POST(
        new Request(BASE, { method: "POST", headers: { "content-type": "multipart/form-data; boundary=XX" }, body: "--XX\r\nContent-Disposition: form-data; name=\"sample\"; filename=\"a.wav\"\r\n\r\nRIFF" }),
        noParams,
      );
      expect([400, 415]).toContain(truncated.status);
      expect((await sendSample(samples.good, "voice.wav", "file")).status).toBe(400);
      const text = await sendSample(new TextEncoder().encode("this is not audio at all, just words ".repeat(200)), "voice.webm");
      expect(text.status).toBe(415);
      expect(((await text.json()) as ErrorBody).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
      const declaredHuge = await profileRoute.POST(
        new Request(BASE, { method: "POST", headers: { "content-type": "multipart/form-data; boundary=XX", "content-length": String(MAX_SAMPLE_BYTES * 2) }, body: "--XX--" }),
        noParams,
      );
      expect(declaredHuge.status).toBe(413);
      const huge = Buffer.concat([samples.good.subarray(0, 44), Buffer.alloc(MAX_SAMPLE_BYTES + 1024)]);
      const tooLarge = await sendSample(huge);
      expect(tooLarge.status).toBe(413);
      expect(((await tooLarge.json()) as ErrorBody).error.code).toBe("PAYLOAD_TOO_LARGE");

      await world.voice!.idle();
      expect((await get()).enrollment).toBeNull();
      expect(await enrollmentEvents()).toEqual([]);
      await expectNothingOfTheSampleLeft();
    });
  });

  describe("DELETE", () => {
    it("removes the row, the consent and any stored sample; processed calls keep their names; 204 again when there is none", async () => {
      await giveConsent();
      await enroll();
      const call = await processCall();
      expect((await speakersOf(call)).find((speaker) => speaker.role === "SELF")).toBeDefined();
      // An orphan sample from a crashed attempt goes too.
      await world.voice!.deps.storage.put(`users/${me().id}/voice-profile/samples/00000000-0000-4000-8000-000000000001.webm`, "x", { contentType: "audio/webm" });

      expect((await remove()).status).toBe(204);
      expect(await profileRows()).toEqual([]);
      const [user] = await db.select().from(users).where(eq(users.id, me().id));
      expect(user).toMatchObject({ voiceConsentVersion: null, voiceConsentedAt: null, voiceEnrollment: null, voiceProfileApply: null });
      expect(await get()).toMatchObject({ profile: null, enrollment: null, apply: null, consent: { current: false, consentedVersion: null } });
      await expectNothingOfTheSampleLeft();
      expect((await speakersOf(call)).find((speaker) => speaker.role === "SELF")?.displayName).toBe("Alice");
      expect((await remove()).status).toBe(204);

      // Without consent again, nothing can be recorded.
      expect((await sendSample(samples.good)).status).toBe(409);
      await expectNothingOfTheSampleLeft();
    });
  });

  describe("in calls", () => {
    it("marks exactly one speaker as the user with the score as confidence, shown by GET /api/calls/:id/speakers", async () => {
      await giveConsent();
      await enroll();
      const call = await processCall();
      const response = await speakersRoute.GET(new Request(`http://localhost/api/calls/${call.callId}/speakers`), { params: Promise.resolve({ id: call.callId }) });
      const { speakers } = (await response.json()) as { speakers: NormalizedTranscript["speakers"] };
      expect(speakers.filter((speaker) => speaker.role === "SELF")).toEqual([{ id: "S1", label: "Speaker 1", role: "SELF", displayName: "Alice", confidence: 0.91 }]);
      expect(speakers.find((speaker) => speaker.id === "S2")).toMatchObject({ role: "COUNTERPARTY", confidence: null });
      expect((await listCallActionItems(db, call)).map((item) => item.ownerRole).sort()).toEqual(["COUNTERPARTY", "SELF"]);
    });

    it("below the provider's threshold nobody is the user", async () => {
      await giveConsent();
      await enroll();
      world.voice!.speech.control.selfScore = 0.79;
      const call = await processCall();
      expect((await speakersOf(call)).map((speaker) => speaker.role)).toEqual(["UNKNOWN", "UNKNOWN"]);
    });

    it("a consent version change: profile NEEDS_CONSENT and unused; consenting again re-activates it without a new recording", async () => {
      await giveConsent();
      await enroll();
      const enrolls = world.voice!.speech.control.calls.enroll;
      world.voice!.deps.voiceConsentVersion = "v2";

      const changed = await get();
      expect(changed.consent).toMatchObject({ currentVersion: "v2", consentedVersion: "v1", current: false });
      expect(changed.profile).toMatchObject({ status: "NEEDS_CONSENT", consentVersion: "v1", usable: false });
      const before = await processCall();
      expect((await speakersOf(before)).some((speaker) => speaker.role === "SELF")).toBe(false);
      expect((await sendSample(samples.good)).status).toBe(409);
      expect((await apply()).status).toBe(409);
      expect((await consent({ version: "v1" })).status).toBe(409);

      const again = (await (await consent({ version: "v2" })).json()) as VoiceProfileState;
      expect(again.profile).toMatchObject({ status: "ACTIVE", consentVersion: "v2", usable: true });
      expect(again.profile!.consentedAt).toBe(again.consent.consentedAt);
      expect(world.voice!.speech.control.calls.enroll).toBe(enrolls);
      const after = await processCall();
      expect((await speakersOf(after)).filter((speaker) => speaker.role === "SELF")).toHaveLength(1);
    });

    it("a profile made by another voiceprint model is shown but not used", async () => {
      await giveConsent();
      await enroll();
      await db.update(userVoiceProfiles).set({ modelVersion: "0" }).where(eq(userVoiceProfiles.userId, me().id));
      expect((await get()).profile).toMatchObject({ status: "ACTIVE", usable: false, threshold: null });
      const call = await processCall();
      expect((await speakersOf(call)).some((speaker) => speaker.role === "SELF")).toBe(false);
    });

    it("another user's profile is never used for, nor visible to, someone else", async () => {
      await giveConsent();
      await enroll();
      const alice = me();
      const bob = await upsertUserByExternalId(db, { externalUserId: `bob-${kind}-${Math.random()}`, displayName: "Bob" });
      world.user = bob;
      expect(await get()).toMatchObject({ profile: null, enrollment: null, apply: null, consent: { current: false } });
      expect((await apply()).status).toBe(409);
      const identifies = world.voice!.speech.control.calls.identify;
      const call = await processCall(bob);
      expect(world.voice!.speech.control.calls.identify).toBe(identifies); // no profile of Bob's: no matching at all
      expect((await speakersOf(call)).some((speaker) => speaker.role === "SELF")).toBe(false);
      // Bob's DELETE leaves Alice's profile alone.
      expect((await remove()).status).toBe(204);
      world.user = alice;
      expect((await get()).profile?.usable).toBe(true);
    });
  });

  describe("apply (find me in earlier calls)", () => {
    it("re-resolves earlier calls: counts matched and expired, leaves hand-edited ones and other users' calls alone", async () => {
      const matched = await processCall();
      const expired = await processCall();
      const edited = await processCall();
      const bob = await upsertUserByExternalId(db, { externalUserId: `bob-apply-${kind}-${Math.random()}` });
      const bobs = await processCall(bob);
      const audio = await getArtifact(db, { ...expired, type: "TEMP_AUDIO" });
      await world.voice!.deps.storage.delete(audio!.storageKey);
      await deleteArtifactById(db, audio!.id);
      const renamed = await speakersRoute.PATCH(
        new Request(`http://localhost/api/calls/${edited.callId}/speakers`, { method: "PATCH", body: JSON.stringify({ edits: [{ speakerId: "S2", displayName: "Carol" }] }) }),
        { params: Promise.resolve({ id: edited.callId }) },
      );
      expect(renamed.status).toBe(200);

      expect((await apply()).status).toBe(409); // no profile yet
      await giveConsent();
      await enroll();
      const started = await apply();
      expect(started.status).toBe(202);
      expect(((await started.json()) as VoiceProfileState).apply?.state).toBe("RUNNING");
      await world.voice!.idle();

      const state = await get();
      expect(state.apply).toMatchObject({ state: "DONE", total: 2, processed: 2, matched: 1, skippedExpired: 1 });
      expect(state.apply!.finishedAt).not.toBeNull();
      expect((await speakersOf(matched)).map((speaker) => [speaker.id, speaker.role, speaker.confidence])).toEqual([
        ["S1", "SELF", 0.91],
        ["S2", "COUNTERPARTY", null],
      ]);
      expect((await listCallActionItems(db, matched)).map((item) => [item.ownerSpeakerId, item.ownerRole])).toEqual([
        ["S1", "SELF"],
        ["S2", "COUNTERPARTY"],
      ]);
      expect((await speakersOf(expired)).some((speaker) => speaker.role === "SELF")).toBe(false);
      expect((await speakersOf(edited)).map((speaker) => [speaker.role, speaker.displayName])).toEqual([
        ["UNKNOWN", null],
        ["UNKNOWN", "Carol"],
      ]);
      expect((await speakersOf(bobs)).some((speaker) => speaker.role === "SELF")).toBe(false);
      // Nothing left over in the work dir.
      expect(await filesUnder(path.join(root, "work", matched.callId))).toEqual([]);

      // A second run finds only the call it could not look into (its audio is still gone).
      expect((await apply("{}")).status).toBe(202);
      await world.voice!.idle();
      expect((await get()).apply).toMatchObject({ state: "DONE", total: 1, processed: 1, matched: 0, skippedExpired: 1 });
    });

    it("409 while a run is going, and 400 for a body it does not take", async () => {
      await giveConsent();
      await enroll();
      expect((await apply("not json")).status).toBe(400);
      expect((await apply(JSON.stringify({ all: true }))).status).toBe(400);
      await db
        .update(users)
        .set({ voiceProfileApply: { id: "11111111-1111-4111-8111-111111111111", state: "RUNNING", total: 5, processed: 2, matched: 1, skippedExpired: 0, startedAt: new Date().toISOString(), finishedAt: null } })
        .where(eq(users.id, me().id));
      const busy = await apply();
      expect(busy.status).toBe(409);
      expect(((await busy.json()) as ErrorBody).error.details?.reason).toBe("APPLY_RUNNING");
      expect((await get()).apply).toMatchObject({ state: "RUNNING", total: 5, processed: 2, matched: 1 });
    });
  });

  it("writes no enrollment event with a call id", async () => {
    const rows = await db.select().from(callProcessingEvents).where(and(eq(callProcessingEvents.stage, "VOICE_ENROLLMENT"), isNull(callProcessingEvents.userId)));
    expect(rows).toEqual([]);
  });
});
