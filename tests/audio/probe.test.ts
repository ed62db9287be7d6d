import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseFile } from "music-metadata";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeToWav16kMono, FfmpegError, ffmpegPath, runFfmpeg } from "@/lib/audio/ffmpeg";
import { AudioProbeError, parseLastTime, probeAudioFile } from "@/lib/audio/probe";
import { SNIFF_BYTES, sniffAudio } from "@/lib/audio/sniff";
import {
  audioTempDir,
  availableFormats,
  cleanupAudio,
  makeAudio,
  TEST_AUDIO_FORMATS,
  writeTempFile,
  type TestAudioFormat,
} from "../helpers/make-audio";

const available = await availableFormats();

const SAMPLE_RATE: Record<TestAudioFormat, number> = {
  wav: 44100,
  mp3: 44100,
  "mp3-id3v23": 44100,
  "mp3-bare": 44100,
  "mp3-8k": 8000,
  "3gp": 8000,
  m4a: 44100,
  "mp4-video": 44100,
  "mp4-video-only": 44100,
  aac: 44100,
  opus: 48000,
  vorbis: 44100,
  webm: 48000,
  mka: 48000,
  flac: 44100,
  amr: 8000,
  "amr-wb": 16000,
  caf: 44100,
  aiff: 44100,
};

/**
 * Allowed |duration - 2 s|. music-metadata counts whole codec frames and does not subtract the encoder
 * delay/padding (LAME writes ~1100-2300 samples of it; ffmpeg's gapless decode trims it). That is ~0.04 s at
 * 44.1 kHz but 0.16 s for 8 kHz MPEG-2.5 (576-sample frames), so the telephony MP3 gets a wider margin.
 */
const TOLERANCE: Partial<Record<TestAudioFormat, number>> = { "mp3-8k": 0.2 };

const STEREO_FORMATS = ["wav", "m4a", "webm", "mp3"] as const satisfies readonly TestAudioFormat[];

beforeAll(async () => {
  // Generate everything up front, in parallel.
  await Promise.all([
    ...[...available].map((format) => makeAudio(format)),
    ...STEREO_FORMATS.filter((f) => available.has(f)).map((format) => makeAudio(format, { channels: 2 })),
  ]);
});

afterAll(cleanupAudio);

async function expectUndecodable(promise: Promise<unknown>): Promise<AudioProbeError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AudioProbeError);
  expect((error as AudioProbeError).code).toBe("UNDECODABLE");
  return error as AudioProbeError;
}

describe("probeAudioFile on real 2-second files", () => {
  for (const format of TEST_AUDIO_FORMATS) {
    it.skipIf(!available.has(format))(`${format}: duration ≈ 2 s, mono, ${SAMPLE_RATE[format]} Hz`, async () => {
      const file = await makeAudio(format);
      const head = (await readFile(file)).subarray(0, SNIFF_BYTES);
      const result = await probeAudioFile(file, sniffAudio(head)?.mimeType);
      expect(result.durationSeconds).not.toBeNull();
      expect(Math.abs(result.durationSeconds! - 2)).toBeLessThanOrEqual(TOLERANCE[format] ?? 0.1);
      expect(result.channels).toBe(1);
      expect(result.sampleRate).toBe(SAMPLE_RATE[format]);
      expect(result.codec).toBeTruthy();
    });
  }

  for (const format of STEREO_FORMATS) {
    it.skipIf(!available.has(format))(`${format}: stereo reports 2 channels`, async () => {
      const result = await probeAudioFile(await makeAudio(format, { channels: 2 }));
      expect(result.channels).toBe(2);
      expect(Math.abs(result.durationSeconds! - 2)).toBeLessThanOrEqual(0.1);
    });
  }

  it("the MediaRecorder-style WebM really has no duration for music-metadata (so the ffmpeg fallback is what works)", async () => {
    const file = await makeAudio("webm");
    const { format } = await parseFile(file, { duration: true });
    expect(format.duration).toBeUndefined();
    const result = await probeAudioFile(file, "audio/webm");
    expect(result.durationSeconds).toBeCloseTo(2, 1);
    expect(result.codec).toBe("opus");
  });

  it("does not depend on the file name: a WebM stored without extension probes the same", async () => {
    const bytes = await readFile(await makeAudio("webm"));
    const file = await writeTempFile("upload-0001", bytes);
    const result = await probeAudioFile(file);
    expect(Math.abs(result.durationSeconds! - 2)).toBeLessThanOrEqual(0.1);
  });
});

describe("probeAudioFile on broken or non-audio input", () => {
  // Decision: an MP3 cut to its first 200 bytes holds the ID3 tag and part of the first frame, not one
  // complete frame. Nothing can be decoded from it, so it is UNDECODABLE (music-metadata finds no duration,
  // ffmpeg fails with "Invalid argument"), rather than a misleading 0 s or the Xing header's 2 s.
  it("an MP3 truncated to 200 bytes is UNDECODABLE, quickly", async () => {
    const bytes = await readFile(await makeAudio("mp3"));
    const file = await writeTempFile("truncated.mp3", bytes.subarray(0, 200));
    const started = Date.now();
    await expectUndecodable(probeAudioFile(file, "audio/mpeg"));
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("a bare MP3 truncated to 200 bytes is UNDECODABLE", async () => {
    const bytes = await readFile(await makeAudio("mp3-bare"));
    await expectUndecodable(probeAudioFile(await writeTempFile("truncated-bare.mp3", bytes.subarray(0, 200))));
  });

  it("a WebM cut in half still probes: the decodable part's duration", async () => {
    const bytes = await readFile(await makeAudio("webm"));
    const file = await writeTempFile("half.webm", bytes.subarray(0, Math.floor(bytes.length / 2)));
    const result = await probeAudioFile(file, "audio/webm");
    expect(result.durationSeconds).toBeGreaterThan(0.3);
    expect(result.durationSeconds).toBeLessThan(1.9);
  });

  it("a text file is UNDECODABLE, with or without an audio file name", async () => {
    await expectUndecodable(probeAudioFile(await writeTempFile("notes.txt", "hello world\n")));
    const error = await expectUndecodable(probeAudioFile(await writeTempFile("notes.mp3", "hello world\n")));
    expect(error.message).not.toContain(audioTempDir());
  });

  it("an empty file is UNDECODABLE", async () => {
    await expectUndecodable(probeAudioFile(await writeTempFile("empty.wav", "")));
  });

  it.skipIf(!available.has("mp4-video-only"))("an MP4 with no audio stream is UNDECODABLE", async () => {
    const error = await expectUndecodable(probeAudioFile(await makeAudio("mp4-video-only"), "audio/mp4"));
    expect(error.message).toContain("no audio stream");
  });

  it("a missing file is an fs error, not UNDECODABLE", async () => {
    const error = await probeAudioFile(path.join(audioTempDir(), "nope.wav")).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(AudioProbeError);
    expect((error as NodeJS.ErrnoException).code).toBe("ENOENT");
  });
});

describe("ffmpeg wrapper", () => {
  it("ffmpegPath points at an existing binary", async () => {
    expect((await stat(ffmpegPath())).isFile()).toBe(true);
  });

  it("decodeToWav16kMono writes a bit-exact 44-byte-header WAV (16 kHz mono s16le)", async () => {
    const output = path.join(audioTempDir(), "decoded.wav");
    await decodeToWav16kMono(await makeAudio("webm", { channels: 2 }), output);
    const wav = await readFile(output);
    expect(wav.toString("latin1", 0, 4)).toBe("RIFF");
    expect(wav.readUInt32LE(4)).toBe(wav.length - 8);
    expect(wav.toString("latin1", 8, 16)).toBe("WAVEfmt ");
    expect(wav.readUInt32LE(16)).toBe(16); // plain PCMWAVEFORMAT, no extension
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    expect(wav.readUInt16LE(22)).toBe(1); // mono
    expect(wav.readUInt32LE(24)).toBe(16000);
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.toString("latin1", 36, 40)).toBe("data"); // data chunk right at byte 36: header is 44 bytes
    expect(wav.readUInt32LE(40)).toBe(wav.length - 44);
    const seconds = (wav.length - 44) / (16000 * 2);
    expect(Math.abs(seconds - 2)).toBeLessThanOrEqual(0.1);
  });

  it("rejects with FfmpegError (exit code, stderr tail without the directory) on bad input", async () => {
    const input = await writeTempFile("garbage.bin", "definitely not audio");
    const error = await decodeToWav16kMono(input, path.join(audioTempDir(), "out.wav")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegError);
    const ffError = error as FfmpegError;
    expect(ffError.reason).toBe("exit");
    expect(ffError.exitCode).not.toBe(0);
    expect(ffError.stderrTail).toContain("garbage.bin");
    expect(ffError.stderrTail).not.toContain(audioTempDir());
    expect(ffError.message).not.toContain(audioTempDir());
  });

  it("kills ffmpeg on timeout", async () => {
    const started = Date.now();
    const error = await runFfmpeg(["-f", "lavfi", "-i", "sine=duration=3600", "-f", "null", "-"], {
      timeoutMs: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FfmpegError);
    expect((error as FfmpegError).reason).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("honours an AbortSignal", async () => {
    const controller = new AbortController();
    const pending = runFfmpeg(["-f", "lavfi", "-i", "sine=duration=3600", "-f", "null", "-"], {
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    const error = await pending.catch((e: unknown) => e);
    expect((error as FfmpegError).reason).toBe("aborted");
  });

  it("returns stdout as a Buffer", async () => {
    const { stdout } = await runFfmpeg([
      "-f", "lavfi", "-i", "sine=sample_rate=8000:duration=0.5", "-ac", "1", "-f", "s16le", "-c:a", "pcm_s16le", "pipe:1",
    ]);
    expect(stdout.length).toBe(8000); // 0.5 s × 8000 Hz × 2 bytes
  });

  it("parseLastTime takes the final progress line", () => {
    expect(parseLastTime("size=N/A time=00:00:01.00 bitrate=N/A\rsize=N/A time=01:02:03.45 bitrate=N/A\n")).toBeCloseTo(
      3723.45,
      5,
    );
    expect(parseLastTime("no progress")).toBeNull();
  });
});
