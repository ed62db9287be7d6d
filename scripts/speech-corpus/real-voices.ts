import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { ffmpegPath } from "@/lib/audio/ffmpeg";

/**
 * Real voices for speaker work: LibriSpeech clips (one utterance per reader, CC BY 4.0), decoded once to
 * 16 kHz float samples and cached under `.data/corpus/`.
 *
 * Where they come from: the full development set beside the repo (`../shared/speech/librispeech-dev`, 251
 * readers) when it is there — the benchmark and the training script use it — otherwise the few clips vendored
 * into `tests/fixtures/speech/librispeech/` (with their licence), which is all the tests need.
 *
 * Honest measurement: readers are split by id parity — even ids are the TUNING half (the projection and every
 * threshold are learned on them), odd ids the HELD-OUT half (only ever measured). `splitOf()` says which.
 */

const run = promisify(execFile);
export const SAMPLE_RATE = 16000;

export const SHARED_DIR = path.resolve(process.cwd(), "..", "shared", "speech", "librispeech-dev");
export const VENDORED_DIR = path.resolve(process.cwd(), "tests", "fixtures", "speech", "librispeech");
const CACHE_DIR = path.resolve(process.cwd(), ".data", "corpus", "librispeech");

export type Split = "tuning" | "held-out";

export interface Clip {
  /** LibriSpeech file id, `SPEAKER-CHAPTER-UTTERANCE`. */
  id: string;
  reader: string;
  sex: "F" | "M" | "?";
  split: Split;
  samples: Float32Array;
}

export function splitOf(reader: string): Split {
  return Number(reader) % 2 === 0 ? "tuning" : "held-out";
}

/** The shared set when present (or when `prefer` says so), else the vendored clips. */
export function corpusDir(prefer: "shared" | "vendored" | "auto" = "auto"): string {
  if (prefer === "vendored") return VENDORED_DIR;
  if (prefer === "shared") return SHARED_DIR;
  return existsSync(path.join(SHARED_DIR, "audio")) ? SHARED_DIR : VENDORED_DIR;
}

async function readSexes(dir: string): Promise<Map<string, "F" | "M">> {
  const out = new Map<string, "F" | "M">();
  const file = path.join(dir, "SPEAKERS.TXT");
  if (!existsSync(file)) return out;
  for (const line of (await readFile(file, "utf8")).split("\n")) {
    if (line.startsWith(";")) continue;
    const [id, sex] = line.split("|").map((s) => s.trim());
    if (id && (sex === "F" || sex === "M")) out.set(id, sex);
  }
  return out;
}

/** Decode any audio file to 16 kHz mono float32 with the bundled ffmpeg. */
export async function decodeToFloat(file: string): Promise<Float32Array> {
  const { stdout } = await run(
    ffmpegPath(),
    ["-nostdin", "-v", "error", "-i", file, "-ac", "1", "-ar", String(SAMPLE_RATE), "-f", "f32le", "-"],
    { encoding: "buffer", maxBuffer: 1 << 30 },
  );
  const buf = stdout as unknown as Buffer;
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Every clip of the corpus in `dir` (sorted by id), decoded (cached). */
export async function loadClips(dir: string = corpusDir()): Promise<Clip[]> {
  const audioDir = path.join(dir, "audio");
  const files = (await readdir(audioDir)).filter((f) => f.endsWith(".flac")).sort();
  const sexes = await readSexes(dir);
  await mkdir(CACHE_DIR, { recursive: true });
  const clips: Clip[] = [];
  for (const file of files) {
    const id = file.replace(/\.flac$/, "");
    const reader = id.split("-")[0]!;
    const cached = path.join(CACHE_DIR, `${id}.f32`);
    let samples: Float32Array;
    if (existsSync(cached)) {
      const buf = await readFile(cached);
      samples = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    } else {
      samples = await decodeToFloat(path.join(audioDir, file));
      await writeFile(`${cached}.tmp`, Buffer.from(samples.buffer));
      await rename(`${cached}.tmp`, cached);
    }
    clips.push({ id, reader, sex: sexes.get(reader) ?? "?", split: splitOf(reader), samples });
  }
  return clips;
}

// --- speech pieces ---------------------------------------------------------------------------------------

export interface Piece {
  clip: Clip;
  /** Sample range of the piece inside the clip (trimmed to its audible part). */
  from: number;
  to: number;
}

const FRAME = 320; // 20 ms

/** Frame energies in dB (20 ms frames). */
export function frameDb(samples: Float32Array): Float32Array {
  const n = Math.floor(samples.length / FRAME);
  const out = new Float32Array(n);
  for (let f = 0; f < n; f++) {
    let e = 0;
    for (let i = f * FRAME; i < (f + 1) * FRAME; i++) e += samples[i]! * samples[i]!;
    out[f] = 10 * Math.log10(e / FRAME + 1e-12);
  }
  return out;
}

/**
 * The clip cut at its pauses (≥ `minPause` s below the speech threshold) into pieces of speech, each trimmed
 * to its audible part. The threshold sits 25 dB under the clip's loud frames (95th percentile), which keeps
 * soft consonants inside and leaves breaths and room tone out. Pieces longer than `maxPiece` seconds are cut
 * in two at their quietest point (`splitLong`).
 */
export function speechPieces(clip: Clip, minPause = 0.3, maxPiece = 5): Piece[] {
  const db = frameDb(clip.samples);
  const sorted = [...db].sort((a, b) => a - b);
  const loud = sorted[Math.floor(sorted.length * 0.95)] ?? -30;
  const threshold = loud - 25;
  const speech = Array.from(db, (v) => v > threshold);
  const minPauseFrames = Math.round((minPause * SAMPLE_RATE) / FRAME);
  const pieces: Piece[] = [];
  let start = -1;
  let lastSpeech = -1;
  for (let f = 0; f <= speech.length; f++) {
    const isSpeech = f < speech.length && speech[f];
    if (isSpeech) {
      if (start < 0) start = f;
      lastSpeech = f;
    } else if (start >= 0 && (f === speech.length || f - lastSpeech > minPauseFrames)) {
      if (lastSpeech - start >= 10) pieces.push(...splitLong(db, clip, start, lastSpeech + 1, maxPiece));
      start = -1;
    }
  }
  return pieces;
}

/**
 * Read speech has few long pauses, so a piece can run 10 s or more; turns in a call are shorter. A piece
 * longer than `maxSeconds` is cut at its quietest frame at least 1.5 s from either end (between words,
 * nearly always), again and again.
 */
function splitLong(db: Float32Array, clip: Clip, from: number, to: number, maxSeconds: number): Piece[] {
  const margin = Math.round((1.5 * SAMPLE_RATE) / FRAME);
  if (((to - from) * FRAME) / SAMPLE_RATE <= maxSeconds || to - from < 2 * margin + 1) return [{ clip, from: from * FRAME, to: to * FRAME }];
  let cut = from + margin;
  for (let f = from + margin; f < to - margin; f++) if (db[f]! < db[cut]!) cut = f;
  return [...splitLong(db, clip, from, cut, maxSeconds), ...splitLong(db, clip, cut + 1, to, maxSeconds)];
}

/** Seconds of speech in a clip (sum of its pieces). */
export function speechSeconds(clip: Clip): number {
  return speechPieces(clip).reduce((a, p) => a + (p.to - p.from), 0) / SAMPLE_RATE;
}

// --- seeded randomness -----------------------------------------------------------------------------------

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

export function shuffle<T>(random: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
