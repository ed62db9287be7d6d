import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { testFfmpegPath } from "../../tests/helpers/make-audio";

/**
 * Real voices for the voice-profile e2e: LibriSpeech clips (CC BY 4.0, see the LICENSE and README beside
 * them) vendored under tests/fixtures/speech/librispeech/. The enrollment sample becomes a 48 kHz WAV for
 * Chromium's fake microphone (which loops it); the call is the same reader (another part of the clip) and
 * another reader, stitched into one mono recording with pauses between the turns.
 */

export const LIBRISPEECH_DIR = path.resolve("tests/fixtures/speech/librispeech/audio");

/** Decodes a clip to mono signed 16-bit PCM at `rate`. */
function pcm(file: string, rate: number): Int16Array {
  const raw = execFileSync(testFfmpegPath(), ["-v", "error", "-i", file, "-f", "s16le", "-ac", "1", "-ar", String(rate), "-"], { maxBuffer: 64 * 1024 * 1024 });
  return new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength / 2);
}

/** A plain 44-byte-header PCM WAV. */
function writeWav(file: string, samples: Int16Array, rate: number): void {
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(samples.byteLength, 40);
  fs.writeFileSync(file, Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]));
}

export interface Span {
  start: number;
  end: number;
}

export interface VoiceFixtures {
  dir: string;
  /** 48 kHz mono WAV of the user's voice, for `--use-file-for-fake-audio-capture`. */
  enrollmentWav: string;
  /** 48 kHz mono WAV of near-silence (a muted microphone). */
  silentWav: string;
  /** The user's whole clip as a 16 kHz WAV file, for "upload an audio file instead". */
  userFileWav: string;
  /** 16 kHz mono WAV: the other reader, the user, the other reader again. */
  callWav: string;
  /** Where the user speaks in the call (seconds). */
  userSpans: Span[];
  otherSpans: Span[];
  cleanup: () => void;
}

/**
 * `user` and `other` are clip file names in LIBRISPEECH_DIR. The user's clip is split at `splitSeconds`:
 * the part before it is the enrollment sample, the part after it is what the user says in the call.
 */
export function makeVoiceFixtures({ user, other, splitSeconds }: { user: string; other: string; splitSeconds: number }): VoiceFixtures {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scryon-e2e-voice-"));
  const userClip = path.join(LIBRISPEECH_DIR, user);
  const otherClip = path.join(LIBRISPEECH_DIR, other);

  const enrollmentWav = path.join(dir, "enrollment-48k.wav");
  const user48 = pcm(userClip, 48_000);
  writeWav(enrollmentWav, user48.subarray(0, Math.round(splitSeconds * 48_000)), 48_000);

  const silentWav = path.join(dir, "silence-48k.wav");
  const hiss = new Int16Array(48_000 * 4);
  for (let i = 0; i < hiss.length; i++) hiss[i] = (i * 7919) % 11 - 5; // ±5 of 32768: far below speech
  writeWav(silentWav, hiss, 48_000);

  const RATE = 16_000;
  const user16 = pcm(userClip, RATE);
  const other16 = pcm(otherClip, RATE);
  const otherHalf = Math.floor(other16.length / 2);
  const pause = new Int16Array(Math.round(0.9 * RATE));
  const parts: [Int16Array, "user" | "other" | null][] = [
    [other16.subarray(0, otherHalf), "other"],
    [pause, null],
    [user16.subarray(Math.round(splitSeconds * RATE)), "user"],
    [pause, null],
    [other16.subarray(otherHalf), "other"],
  ];
  const userSpans: Span[] = [];
  const otherSpans: Span[] = [];
  const total = parts.reduce((sum, [samples]) => sum + samples.length, 0);
  const call = new Int16Array(total);
  let offset = 0;
  for (const [samples, who] of parts) {
    call.set(samples, offset);
    const span = { start: offset / RATE, end: (offset + samples.length) / RATE };
    if (who === "user") userSpans.push(span);
    if (who === "other") otherSpans.push(span);
    offset += samples.length;
  }
  const userFileWav = path.join(dir, "my-voice.wav");
  writeWav(userFileWav, user16, RATE);
  const callWav = path.join(dir, "call-16k.wav");
  writeWav(callWav, call, RATE);
  return { dir, enrollmentWav, silentWav, userFileWav, callWav, userSpans, otherSpans, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Seconds of `segments` (transcript segments) that fall inside `spans`. */
export function overlapSeconds(segments: readonly Span[], spans: readonly Span[]): number {
  let total = 0;
  for (const segment of segments) for (const span of spans) total += Math.max(0, Math.min(segment.end, span.end) - Math.max(segment.start, span.start));
  return total;
}
