import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { ffmpegPath } from "@/lib/audio/ffmpeg";
import { encodeWav } from "@/lib/speech/wav";
import type { ReferenceTurn } from "@/lib/speech/eval";
import { pick, rng, SAMPLE_RATE, shuffle, speechPieces, type Clip, type Piece } from "./real-voices";

/**
 * Conversations stitched from real voices, with their ground truth.
 *
 * Each reader's clip is cut at its pauses into pieces (`speechPieces`); a turn is 1–3 pieces of one reader
 * (with short in-turn pauses), turns are separated by seeded gaps of 0.1–1.5 s; now and then the listener
 * says a short back-channel ("yeah": the first word of their clip, < 1 s) between two turns of the speaker,
 * and a few turns start before the previous one ends (overlap of 0.2–0.6 s). Readers talk at different
 * levels (±4 dB), over a faint seeded noise floor. The truth is one turn per piece, so pauses inside a turn
 * are not counted as speech.
 *
 * There is one clip (1.6–17 s) per reader, so calls of several minutes reuse each reader's pieces in
 * reshuffled order — the voice is real, the sentences repeat (the diarizer never sees words, but a long call
 * is easier than its length suggests: docs/speech.md says so).
 */

const run = promisify(execFile);

export interface ConversationSpec {
  name: string;
  readers: Clip[];
  /** Target length of the call in seconds. */
  seconds: number;
  seed: number;
  /** Probability of a back-channel after a turn (default 0.15). */
  backchannelRate?: number;
  /** Probability that a turn overlaps the previous one (default 0.06). */
  overlapRate?: number;
}

export interface Conversation {
  name: string;
  /** Reader ids; speaker `S<n>` of the truth is `readers[n-1]`. */
  readers: string[];
  samples: Float32Array;
  /** Per-side stereo (two-party calls): party 1 on the left, everyone else on the right. */
  channels: [Float32Array, Float32Array];
  turns: ReferenceTurn[];
  /** The back-channel turns among `turns`. */
  backchannels: ReferenceTurn[];
  durationSeconds: number;
}

export function stitchConversation(spec: ConversationSpec): Conversation {
  const random = rng(spec.seed);
  const speakers = spec.readers.map((clip, i) => {
    const pieces = speechPieces(clip).filter((p) => p.to - p.from >= 0.25 * SAMPLE_RATE);
    if (pieces.length === 0) throw new Error(`clip ${clip.id} has no speech pieces`);
    return {
      id: `S${i + 1}`,
      clip,
      pieces,
      order: [] as Piece[],
      gain: levelGain(clip, pieces, -26 + (random() * 8 - 4)),
      backchannel: firstWord(clip, pieces[0]!),
    };
  });
  const total = Math.round(spec.seconds * SAMPLE_RATE);
  const mono = new Float32Array(total + 2 * SAMPLE_RATE);
  const left = new Float32Array(mono.length);
  const right = new Float32Array(mono.length);
  const turns: ReferenceTurn[] = [];
  const backchannels: ReferenceTurn[] = [];

  const place = (speaker: (typeof speakers)[number], piece: { from: number; to: number }, at: number) => {
    const side = speaker.id === "S1" ? left : right;
    for (let i = piece.from; i < piece.to && at + i - piece.from < mono.length; i++) {
      const v = speaker.clip.samples[i]! * speaker.gain;
      mono[at + i - piece.from]! += v;
      side[at + i - piece.from]! += v;
    }
    const turn = { speaker: speaker.id, start: at / SAMPLE_RATE, end: (at + piece.to - piece.from) / SAMPLE_RATE };
    turns.push(turn);
    return turn;
  };
  const nextPiece = (speaker: (typeof speakers)[number]) => {
    if (speaker.order.length === 0) speaker.order = shuffle(random, speaker.pieces);
    return speaker.order.pop()!;
  };

  let cursor = Math.round(0.3 * SAMPLE_RATE);
  let current = 0;
  let previousEnd = cursor;
  while (cursor < total) {
    const speaker = speakers[current]!;
    const count = 1 + Math.floor(random() * 3);
    for (let p = 0; p < count && cursor < total; p++) {
      const piece = nextPiece(speaker);
      place(speaker, piece, cursor);
      cursor += piece.to - piece.from;
      previousEnd = cursor;
      if (p < count - 1) cursor += Math.round((0.15 + random() * 0.25) * SAMPLE_RATE);
    }
    // A back-channel from a listener, then the same speaker goes on.
    if (speakers.length > 1 && random() < (spec.backchannelRate ?? 0.15) && cursor < total) {
      const listener = pick(random, speakers.filter((s) => s !== speaker));
      cursor += Math.round((0.15 + random() * 0.35) * SAMPLE_RATE);
      backchannels.push(place(listener, listener.backchannel, cursor));
      cursor += listener.backchannel.to - listener.backchannel.from;
      cursor += Math.round((0.15 + random() * 0.35) * SAMPLE_RATE);
      continue;
    }
    const others = speakers.map((_, i) => i).filter((i) => i !== current);
    if (others.length > 0) current = pick(random, others);
    if (random() < (spec.overlapRate ?? 0.06)) cursor = previousEnd - Math.round((0.2 + random() * 0.4) * SAMPLE_RATE);
    else cursor += Math.round((0.1 + random() * 1.4) * SAMPLE_RATE);
  }
  const length = Math.min(mono.length, Math.max(...turns.map((t) => Math.ceil(t.end * SAMPLE_RATE))) + Math.round(0.4 * SAMPLE_RATE));
  const noise = rng(spec.seed ^ 0x5eed);
  const floor = 10 ** (-58 / 20) * Math.sqrt(3);
  for (let i = 0; i < length; i++) {
    const n = (noise() * 2 - 1) * floor;
    mono[i]! += n;
    left[i]! += (noise() * 2 - 1) * floor;
    right[i]! += (noise() * 2 - 1) * floor;
  }
  turns.sort((a, b) => a.start - b.start);
  return {
    name: spec.name,
    readers: spec.readers.map((c) => c.reader),
    samples: mono.subarray(0, length),
    channels: [left.subarray(0, length), right.subarray(0, length)],
    turns: turns.map(roundTurn),
    backchannels: backchannels.map(roundTurn),
    durationSeconds: length / SAMPLE_RATE,
  };
}

/** Gain that brings the speech of a clip to `targetDb` RMS. */
function levelGain(clip: Clip, pieces: Piece[], targetDb: number): number {
  let e = 0;
  let n = 0;
  for (const p of pieces) {
    for (let i = p.from; i < p.to; i++) e += clip.samples[i]! ** 2;
    n += p.to - p.from;
  }
  const rmsDb = 10 * Math.log10(e / Math.max(1, n) + 1e-12);
  return 10 ** ((targetDb - rmsDb) / 20);
}

/**
 * The first word of a clip, as a back-channel: from the start of its first piece to the deepest energy dip
 * between 0.35 and 0.8 s (or 0.6 s when there is none).
 */
function firstWord(clip: Clip, piece: Piece): { from: number; to: number } {
  const hop = 160;
  let best = piece.from + Math.round(0.6 * SAMPLE_RATE);
  let bestDb = Infinity;
  for (let at = piece.from + Math.round(0.35 * SAMPLE_RATE); at < Math.min(piece.to, piece.from + 0.8 * SAMPLE_RATE); at += hop) {
    let e = 0;
    for (let i = at; i < at + 320; i++) e += (clip.samples[i] ?? 0) ** 2;
    const db = 10 * Math.log10(e / 320 + 1e-12);
    if (db < bestDb) {
      bestDb = db;
      best = at;
    }
  }
  return { from: piece.from, to: Math.min(piece.to, best) };
}

function roundTurn(t: ReferenceTurn): ReferenceTurn {
  return { speaker: t.speaker, start: Math.round(t.start * 1000) / 1000, end: Math.round(t.end * 1000) / 1000 };
}

// --- files ---------------------------------------------------------------------------------------------

export type Variant = "mono-16k" | "phone-8k-ulaw" | "stereo-16k";

/**
 * Writes one variant of a conversation (cached by name + variant): the 16 kHz mono mix as WAV; the phone
 * band (300–3400 Hz, 8 kHz, μ-law WAV, mono mix); or per-side stereo (16 kHz WAV, two-party calls).
 */
export async function writeConversation(conversation: Conversation, variant: Variant, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${conversation.name}.${variant}.wav`);
  if (existsSync(file)) return file;
  const tmp = `${file}.tmp.wav`;
  if (variant === "stereo-16k") {
    const [l, r] = conversation.channels;
    const interleaved = new Float32Array(l.length * 2);
    for (let i = 0; i < l.length; i++) {
      interleaved[2 * i] = l[i]!;
      interleaved[2 * i + 1] = r[i]!;
    }
    await writeFile(tmp, encodeWav(interleaved, SAMPLE_RATE, 2));
  } else {
    await writeFile(tmp, encodeWav(conversation.samples, SAMPLE_RATE));
    if (variant === "phone-8k-ulaw") {
      const phone = `${file}.phone.wav`;
      await run(ffmpegPath(), ["-nostdin", "-v", "error", "-y", "-i", tmp, "-af", "highpass=f=300,lowpass=f=3400", "-ar", "8000", "-ac", "1", "-c:a", "pcm_mulaw", phone]);
      await rename(phone, tmp);
    }
  }
  await rename(tmp, file);
  return file;
}
