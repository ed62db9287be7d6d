import { readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { SpeechEngineCrashError } from "../errors";
import type { PreparedAudio } from "../types";
import { WavReader } from "../wav";
import { runChild } from "./child";
import { verifyVadModel, type ResolvedLocalConfig } from "./config";

/** A stretch of speech, in seconds. */
export interface SpeechRegion {
  start: number;
  end: number;
}

export const SILERO_SETTINGS = {
  threshold: 0.5,
  /** Pauses shorter than this do not end a segment. Short, so turn changes split segments. */
  minSilenceDuration: 0.2,
  minSpeechDuration: 0.15,
  /** Longer speech is cut into pieces of at most this length. */
  maxSpeechDuration: 15,
} as const;

/**
 * The child process that runs silero through sherpa-onnx-node. It is plain CommonJS passed with `node -e`,
 * so it needs no build step and no file next to this module (Next bundles server code elsewhere). It reads
 * the WAV in blocks (bounded memory for long calls) and prints `{"segments": [[startSample, endSample], …]}`.
 * A native crash kills only this child; the parent reports it as a transient engine error.
 */
const SILERO_CHILD = String.raw`
"use strict";
const fs = require("fs");
const [sherpaPath, wavPath, optsJson] = process.argv.slice(1);
const o = JSON.parse(optsJson);
const sherpa = require(sherpaPath);
const vad = new sherpa.Vad({
  sileroVad: { model: o.model, threshold: o.threshold, minSilenceDuration: o.minSilenceDuration,
    minSpeechDuration: o.minSpeechDuration, maxSpeechDuration: o.maxSpeechDuration, windowSize: 512 },
  sampleRate: 16000, numThreads: 1, provider: "cpu", debug: 0,
}, 60);
const fd = fs.openSync(wavPath, "r");
const WINDOW = 512, BLOCK = WINDOW * 128;
const bytes = Buffer.alloc(BLOCK * 2);
const out = [];
const drain = () => { while (!vad.isEmpty()) { const s = vad.front(false); out.push([s.start, s.start + s.samples.length]); vad.pop(); } };
for (let done = 0; done < o.frames; ) {
  const n = Math.min(BLOCK, o.frames - done);
  fs.readSync(fd, bytes, 0, n * 2, o.dataOffset + done * 2);
  const padded = Math.ceil(n / WINDOW) * WINDOW;
  const f = new Float32Array(padded);
  for (let i = 0; i < n; i++) f[i] = bytes.readInt16LE(i * 2) / 32768;
  for (let i = 0; i < padded; i += WINDOW) { vad.acceptWaveform(f.subarray(i, i + WINDOW)); drain(); }
  done += n;
}
vad.flush();
drain();
process.stdout.write(JSON.stringify({ segments: out }));
`;

export async function sileroVad(
  wavPath: string,
  config: ResolvedLocalConfig,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<SpeechRegion[]> {
  await verifyVadModel(config);
  const reader = await WavReader.open(wavPath);
  const { dataOffset, frames, sampleRate, channels } = reader.info;
  await reader.close();
  if (sampleRate !== 16000 || channels !== 1) throw new Error("sileroVad expects 16 kHz mono WAV");
  const opts = { model: config.vadModelPath, dataOffset, frames, ...SILERO_SETTINGS };
  const stdout = await runChild(
    config.nodeBinary,
    ["-e", SILERO_CHILD, "--", config.sherpaOnnxPath, wavPath, JSON.stringify(opts)],
    { signal: options.signal, timeoutMs: options.timeoutMs ?? Math.max(60_000, (frames / 16000) * 1000), what: "voice activity detection" },
  );
  let parsed: { segments?: unknown };
  try {
    parsed = JSON.parse(stdout) as { segments?: unknown };
  } catch (error) {
    throw new SpeechEngineCrashError("The voice activity detector returned garbage.", { cause: error });
  }
  if (!Array.isArray(parsed.segments)) throw new SpeechEngineCrashError("The voice activity detector returned no segments.");
  return (parsed.segments as [number, number][]).map(([s, e]) => ({ start: s / 16000, end: Math.min(frames, e) / 16000 }));
}

// --- energy VAD (per channel of a per-side stereo recording) ---------------------------------------------------

const FRAME = 320; // 20 ms

/** Frame energies in dB (20 ms frames). */
export async function frameEnergiesDb(wavPath: string): Promise<Float32Array> {
  const reader = await WavReader.open(wavPath);
  try {
    const frames = Math.floor(reader.info.frames / FRAME);
    const out = new Float32Array(frames);
    const block = FRAME * 500;
    for (let f = 0; f < frames; f += 500) {
      const x = await reader.readFloat(f * FRAME, block);
      for (let k = 0; k < 500 && f + k < frames; k++) {
        let e = 0;
        for (let i = k * FRAME; i < (k + 1) * FRAME && i < x.length; i++) e += x[i]! * x[i]!;
        out[f + k] = 10 * Math.log10(e / FRAME + 1e-10);
      }
    }
    return out;
  } finally {
    await reader.close();
  }
}

/**
 * Speech regions of each channel of a per-side recording. A frame is speech on a side when it is well above
 * that side's noise floor, unless the other side is much louder at the same time (then it is the other
 * party's echo or crosstalk). Gaps under 0.3 s are bridged; blips under 0.12 s are dropped.
 */
export async function energyVadStereo(leftPath: string, rightPath: string): Promise<[SpeechRegion[], SpeechRegion[]]> {
  const [l, r] = await Promise.all([frameEnergiesDb(leftPath), frameEnergiesDb(rightPath)]);
  const n = Math.min(l.length, r.length);
  const thresholds = [speechThreshold(l), speechThreshold(r)];
  const active: [Uint8Array, Uint8Array] = [new Uint8Array(n), new Uint8Array(n)];
  for (let i = 0; i < n; i++) {
    const el = l[i]!, er = r[i]!;
    active[0][i] = el > thresholds[0]! && !(er - el > 15 && er > thresholds[1]!) ? 1 : 0;
    active[1][i] = er > thresholds[1]! && !(el - er > 15 && el > thresholds[0]!) ? 1 : 0;
  }
  return [framesToRegions(active[0]), framesToRegions(active[1])];
}

function speechThreshold(db: Float32Array): number {
  if (db.length === 0) return 0;
  const sorted = Float32Array.from(db).sort();
  const floor = sorted[Math.floor(0.1 * (sorted.length - 1))]!;
  const loud = sorted[Math.floor(0.95 * (sorted.length - 1))]!;
  return Math.max(floor + Math.max(9, 0.3 * (loud - floor)), -65);
}

function framesToRegions(active: Uint8Array): SpeechRegion[] {
  const sec = FRAME / 16000;
  const bridge = Math.round(0.3 / sec);
  const minRun = Math.round(0.12 / sec);
  const runs: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= active.length; i++) {
    const on = i < active.length && active[i] === 1;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      const last = runs.at(-1);
      if (last && start - last[1] <= bridge) last[1] = i;
      else runs.push([start, i]);
      start = -1;
    }
  }
  return runs
    .filter(([s, e]) => e - s >= minRun)
    .map(([s, e]) => ({ start: Math.max(0, s * sec - 0.05), end: Math.min(active.length * sec, e * sec + 0.05) }));
}

// --- cached per prepared audio ---------------------------------------------------------------------------------

export interface AudioSpeechRegions {
  /** Speech regions of the mono mix (silero) — for `stereo-split`, the union of both channels. */
  mono: SpeechRegion[];
  /** For `stereo-split`: regions per channel (energy VAD). */
  channels?: [SpeechRegion[], SpeechRegion[]];
}

/** What a recogniser reads: each party's own channel of a per-side stereo call (speaker known), else the mix. */
export interface TranscriptionSource {
  wav: string;
  regions: SpeechRegion[];
  speaker?: string;
}

export function transcriptionSources(audio: PreparedAudio, regions: AudioSpeechRegions): TranscriptionSource[] {
  return audio.distinctChannels && regions.channels
    ? [
        { wav: audio.channelWavPaths[0]!, regions: regions.channels[0], speaker: "S1" },
        { wav: audio.channelWavPaths[1]!, regions: regions.channels[1], speaker: "S2" },
      ]
    : [{ wav: audio.wavPath, regions: regions.mono }];
}

const inflight = new Map<string, Promise<AudioSpeechRegions>>();
const VAD_CACHE_VERSION = 2;

/**
 * Speech regions for a prepared recording, computed once and kept in `workDir/vad.json` so the diarization
 * and transcription stages (which may run in parallel or in different processes) share them.
 */
export async function speechRegions(
  audio: PreparedAudio,
  config: ResolvedLocalConfig,
  options: { signal?: AbortSignal } = {},
): Promise<AudioSpeechRegions> {
  const file = path.join(audio.workDir, "vad.json");
  const split = audio.distinctChannels && audio.channelWavPaths.length === 2;
  // Checked even when the regions are cached: a broken install must show, not hide behind a cache.
  if (!split) await verifyVadModel(config);
  const wav = await stat(audio.wavPath);
  const key = `${audio.wavPath}:${wav.size}:${wav.mtimeMs}`;
  const pending = inflight.get(key);
  if (pending) return pending;
  const work = (async () => {
    try {
      const cached = JSON.parse(await readFile(file, "utf8")) as { version?: number; key?: string; regions?: AudioSpeechRegions };
      if (cached.version === VAD_CACHE_VERSION && cached.key === key && cached.regions) return cached.regions;
    } catch {
      // compute
    }
    let regions: AudioSpeechRegions;
    if (split) {
      const channels = await energyVadStereo(audio.channelWavPaths[0]!, audio.channelWavPaths[1]!);
      regions = { mono: unionRegions([...channels[0], ...channels[1]]), channels };
    } else {
      const silero = await sileroVad(audio.wavPath, config, options);
      regions = { mono: refineRegions(silero, await frameEnergiesDb(audio.wavPath)) };
    }
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: VAD_CACHE_VERSION, key, regions }));
    await rename(tmp, file);
    return regions;
  })();
  inflight.set(key, work);
  try {
    return await work;
  } finally {
    inflight.delete(key);
  }
}

/**
 * silero keeps a segment open through short pauses and for ~0.3 s after speech ends, so one segment often
 * holds the end of one turn and the start of the next. Within each segment, stretches of at least
 * `minPause` seconds that are quiet (close to the recording's noise floor) split it, and quiet edges are
 * trimmed: every resulting region is one stretch of continuous voice.
 */
export function refineRegions(regions: SpeechRegion[], energyDb: Float32Array, minPause = 0.16): SpeechRegion[] {
  const sec = FRAME / 16000;
  if (energyDb.length === 0) return regions;
  const sorted = Float32Array.from(energyDb).sort();
  const floor = sorted[Math.floor(0.1 * (sorted.length - 1))]!;
  const inside: number[] = [];
  for (const r of regions) for (let f = Math.floor(r.start / sec); f < Math.min(energyDb.length, Math.ceil(r.end / sec)); f++) inside.push(energyDb[f]!);
  inside.sort((a, b) => a - b);
  const speech = inside.length ? inside[Math.floor(0.9 * (inside.length - 1))]! : floor + 20;
  const quiet = floor + Math.max(6, 0.25 * (speech - floor));
  const minQuiet = Math.round(minPause / sec);
  const out: SpeechRegion[] = [];
  for (const r of regions) {
    const first = Math.max(0, Math.floor(r.start / sec));
    const last = Math.min(energyDb.length, Math.ceil(r.end / sec));
    let runStart = -1;
    let quietRun = 0;
    let lastLoud = -1;
    const close = (endFrame: number) => {
      if (runStart >= 0 && endFrame - runStart >= 5) {
        out.push({ start: Math.max(r.start, runStart * sec - 0.04), end: Math.min(r.end, endFrame * sec + 0.04) });
      }
      runStart = -1;
    };
    for (let f = first; f < last; f++) {
      if (energyDb[f]! >= quiet) {
        if (runStart < 0) runStart = f;
        lastLoud = f + 1;
        quietRun = 0;
      } else if (runStart >= 0 && ++quietRun >= minQuiet) {
        close(lastLoud);
        quietRun = 0;
      }
    }
    if (runStart >= 0) close(lastLoud);
  }
  return out;
}

export function unionRegions(regions: SpeechRegion[]): SpeechRegion[] {
  const sorted = [...regions].sort((a, b) => a.start - b.start);
  const out: SpeechRegion[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}
