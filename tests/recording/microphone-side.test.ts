import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCall } from "@/db/queries/calls";
import { insertProcessingEvent } from "@/db/queries/events";
import { upsertUserByExternalId } from "@/db/queries/users";
import { createDiarizationProvider } from "@/lib/speech";
import type { DiarizationResult } from "@/lib/speech/types";
import { microphoneSpeaker, RECORDER_PROVIDER, RECORDER_STEREO_PROVIDER } from "@/lib/recording/server";
import { resolveSpeakers } from "@/lib/speakers/resolve";
import { mergeTranscript } from "@/lib/transcript/normalize";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../helpers/db";
import { speechFixtures } from "../speech/helpers";

/**
 * The stereo path of a browser recording: a generated two-channel call (one synthetic voice per channel,
 * tests/speech fixtures) through the real local engine's per-side diarization, then the resolver with the
 * microphone side the recorder marked: the left channel ends as the user ("You", SELF, reason "your
 * microphone") and the right as the counterparty — with no voice profile at all.
 */
const FIXTURE = "t2-stereo-16k-m4a";
let fx: Awaited<ReturnType<typeof speechFixtures>>;
let diarization: DiarizationResult;
let duration = 0;

beforeAll(async () => {
  fx = await speechFixtures([FIXTURE]);
  const audio = await fx.prepared(FIXTURE);
  expect(audio.layout).toBe("stereo-split");
  duration = audio.durationSeconds;
  diarization = await createDiarizationProvider().diarize(audio);
}, 120_000);
afterAll(async () => {
  await fx?.cleanup();
});

/** One word in the middle of every diarized segment: enough for the merge to give each speaker turns. */
function wordsFor(result: DiarizationResult) {
  return result.segments.map((segment, i) => {
    const mid = (segment.start + segment.end) / 2;
    return { text: `w${i}`, start: mid - 0.05, end: mid + 0.05, confidence: 0.9 };
  });
}

describe.each(databaseKinds())("the microphone side of a stereo recording (%s)", (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function callWith(provider: string | null) {
    const user = await upsertUserByExternalId(t.db, { externalUserId: `u-${Math.random()}`, displayName: null });
    const call = await createCall(t.db, user.id, { title: "Recording, 3 Dec 15:40", contactName: "Dana" });
    await insertProcessingEvent(t.db, { callId: call.id, userId: user.id, stage: "UPLOAD", status: "COMPLETED", provider: "scryon" });
    if (provider) await insertProcessingEvent(t.db, { callId: call.id, userId: user.id, stage: "UPLOAD", status: "COMPLETED", provider });
    return { user, call, ref: { userId: user.id, callId: call.id } };
  }

  function resolve(user: { id: string }, microphone: string | null) {
    const merged = mergeTranscript({ diarization, transcription: { language: "en", quality: "draft", words: wordsFor(diarization) }, durationSeconds: duration });
    return resolveSpeakers(merged, { user: { id: user.id, displayName: null }, call: { contactName: "Dana" }, matches: null, microphoneSpeaker: microphone });
  }

  it("the engine names the sides; the left one, marked by the recorder, ends as You and the right as the counterparty", async () => {
    expect(diarization.speakers.map((s) => s.label)).toEqual(["Left channel", "Right channel"]);
    const { user, ref } = await callWith(RECORDER_STEREO_PROVIDER);
    const mic = await microphoneSpeaker(t.db, ref, diarization);
    expect(mic).toBe(diarization.speakers.find((s) => s.label === "Left channel")!.id);
    const transcript = resolve(user, mic);
    const left = transcript.speakers.find((s) => s.label === "Left channel")!;
    const right = transcript.speakers.find((s) => s.label === "Right channel")!;
    expect(left).toMatchObject({ role: "SELF", displayName: "You", reason: "your microphone" });
    expect(right).toMatchObject({ role: "COUNTERPARTY", displayName: "Dana" });
    // the left channel's turns carry the left speaker's id
    const leftTurns = transcript.segments.filter((segment) => segment.speakerId === left.id);
    expect(leftTurns.length).toBeGreaterThan(0);
  });

  it("an abandoned stereo recording (its note after the marker) still has its microphone side", async () => {
    const { ref } = await callWith(`${RECORDER_STEREO_PROVIDER} · recording ended unexpectedly at 12:34`);
    expect(await microphoneSpeaker(t.db, ref, diarization)).toBe("S1");
  });

  it("an uploaded file or a mono recording is not guessed: no microphone side, roles stay unknown without a profile", async () => {
    for (const provider of [null, RECORDER_PROVIDER]) {
      const { user, ref } = await callWith(provider);
      const mic = await microphoneSpeaker(t.db, ref, diarization);
      expect(mic).toBeNull();
      expect(resolve(user, mic).speakers.map((s) => s.role)).toEqual(["UNKNOWN", "UNKNOWN"]);
    }
  });

  it("a mono diarization (no channel labels) has no microphone side even for a stereo recording", async () => {
    const { ref } = await callWith(RECORDER_STEREO_PROVIDER);
    const mono = { ...diarization, speakers: diarization.speakers.map((s, i) => ({ ...s, label: `Speaker ${i + 1}` })) };
    expect(await microphoneSpeaker(t.db, ref, mono)).toBeNull();
  });
});
