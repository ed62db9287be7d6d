import { open } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareAudio } from "@/lib/speech/prepare";
import { SpeechAudioError } from "@/lib/speech/errors";
import { WavReader } from "@/lib/speech/wav";
import { writeFile } from "node:fs/promises";
import { speechFixtures } from "./helpers";

const NAMES = ["t2-mono-16k-wav", "t2-stereo-16k-m4a", "t2-dupstereo-16k-mp3", "enroll-A-webm"];
let fx: Awaited<ReturnType<typeof speechFixtures>>;

beforeAll(async () => {
  fx = await speechFixtures(NAMES);
});
afterAll(async () => {
  await fx?.cleanup();
});

async function header(file: string): Promise<Buffer> {
  const h = await open(file, "r");
  try {
    const buf = Buffer.alloc(48);
    await h.read(buf, 0, 48, 0);
    return buf;
  } finally {
    await h.close();
  }
}

describe("prepareAudio", () => {
  it("decodes to 16 kHz mono 16-bit WAV with an exact 44-byte header and the right duration", async () => {
    const audio = await fx.prepared("t2-mono-16k-wav");
    expect(audio).toMatchObject({ channels: 1, sourceSampleRate: 16000, layout: "mono", distinctChannels: false, channelWavPaths: [], sampleRate: 16000 });
    expect(audio.durationSeconds).toBeCloseTo(fx.fixture("t2-mono-16k-wav").truth.durationSeconds, 2);
    const h = await header(audio.wavPath);
    expect(h.toString("ascii", 36, 40)).toBe("data"); // no LIST chunk: data starts at byte 44
    const reader = await WavReader.open(audio.wavPath);
    expect(reader.info).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16, dataOffset: 44 });
    await reader.close();
  });

  it("recognises a per-side stereo recording and writes one WAV per channel", async () => {
    const audio = await fx.prepared("t2-stereo-16k-m4a");
    console.log("per-side stereo:", JSON.stringify(audio.channelAnalysis));
    expect(audio.channels).toBe(2);
    expect(audio.layout).toBe("stereo-split");
    expect(audio.distinctChannels).toBe(true);
    expect(audio.channelWavPaths).toHaveLength(2);
    expect(Math.abs(audio.durationSeconds - fx.fixture("t2-stereo-16k-m4a").truth.durationSeconds)).toBeLessThan(0.1);
    for (const file of audio.channelWavPaths) {
      const reader = await WavReader.open(file);
      expect(reader.info.frames).toBe(Math.round(audio.durationSeconds * 16000));
      await reader.close();
    }
  });

  it("treats stereo with the same signal on both channels as mono", async () => {
    const audio = await fx.prepared("t2-dupstereo-16k-mp3");
    console.log("duplicated stereo:", JSON.stringify(audio.channelAnalysis));
    expect(audio.channels).toBe(2);
    expect(audio.layout).toBe("stereo-duplicated");
    expect(audio.distinctChannels).toBe(false);
    expect(audio.channelAnalysis!.differenceRatio).toBeLessThan(0.05);
  });

  it("measures WebM/Opus without a duration header from the decoded samples", async () => {
    const audio = await fx.prepared("enroll-A-webm");
    expect(Math.abs(audio.durationSeconds - fx.fixture("enroll-A-webm").truth.durationSeconds)).toBeLessThan(0.05);
  });

  it("reuses the decoded files for the same input", async () => {
    const first = await fx.prepared("t2-mono-16k-wav");
    const again = await prepareAudio(first.sourcePath, first.workDir);
    expect(again).toEqual(first);
  });

  it("rejects a file that is not audio with a permanent AUDIO_UNDECODABLE error", async () => {
    const bogus = path.join(fx.root, "not-audio.mp3");
    await writeFile(bogus, "this is not audio at all");
    const error = await prepareAudio(bogus, path.join(fx.root, "bogus")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpeechAudioError);
    expect(error).toMatchObject({ code: "AUDIO_UNDECODABLE", transient: false });
  });
});
