/**
 * Cross-validated calibration of the local voiceprint, on the TUNING readers only.
 *
 *   npx tsx scripts/speech-corpus/cv-voiceprint.ts            # the shipped configuration, its threshold
 *   GRID=1 npx tsx scripts/speech-corpus/cv-voiceprint.ts     # compare configurations (dims, ridge, cohort)
 *
 * Why: a projection scores the readers it was trained on further apart than voices it never saw, so a
 * cohort and a threshold taken from those same readers are too permissive for a new user (the wrong "You"
 * of the held-out half). Here the tuning readers are cut into four folds (`(id / 2) mod 4`); for each fold
 * the projection is trained on the other three, and the fold's own readers — unseen by that projection —
 * give the S-norm cohort and the trials: enrollments against held-back speech (EER) and against the diarized
 * speakers of 40 s two-party calls among the fold's readers (right / wrong "You"). A trial's cohort leaves
 * out the readers in it (a new user is never in the cohort). The shipped voiceprint model is the fold-0 model
 * (trained on folds 1–3, cohort = fold 0), so the pooled scores are those of the shipped set-up on voices it
 * has not seen, and the threshold is read off them.
 *
 * Cached in `.data/bench/speakers/cv/` (statistics only; the projection is retrained for every configuration).
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { scoreDiarization } from "@/lib/speech/eval";
import { resolveLocalConfig } from "@/lib/speech/local/config";
import { LocalDiarizationProvider } from "@/lib/speech/local/diarize";
import { framesOfSamples, speakerStats } from "@/lib/speech/local/features";
import { voiceStats } from "@/lib/speech/local/voiceprint";
import { speechRegions } from "@/lib/speech/local/vad";
import { prepareAudio } from "@/lib/speech/prepare";
import { encodeWav } from "@/lib/speech/wav";
import { chunkStats, embedWith, phoneBand, syntheticChunks, trainLda, VOICEPRINT_FOLDS, voiceprintFold } from "../train-speaker-model";
import { writeConversation } from "./conversations";
import { loadClips, SAMPLE_RATE, SHARED_DIR, speechPieces, speechSeconds, type Clip } from "./real-voices";
import { resolverCalls, voiceSplit, type VoiceSplit } from "./sets";

const FOLDS = VOICEPRINT_FOLDS;
const foldOf = voiceprintFold;

const WORK = path.resolve(".data/bench/speakers");
const CACHE = path.join(WORK, "cv");

interface ReaderData {
  reader: string;
  fold: number;
  /** 1.5 s chunk statistics, clean and phone band, by chunk length. */
  chunks: Record<string, { clean: number[][]; phone: number[][] }>;
  /** Whole-clip statistics (a cohort member). */
  whole: number[] | null;
}
interface VoiceData { reader: string; fold: number; enroll: number[]; test: number[] }
export interface CallData {
  fold: number;
  name: string;
  user: string;
  readers: string[];
  /** Per diarized speaker: its statistics and the true speaker it maps to. */
  speakers: { id: string; stats: number[] | null; truth: string | undefined }[];
  userTruth: string;
}
export interface CvData { readers: ReaderData[]; voices: VoiceData[]; calls: CallData[]; synthetic: Record<string, { label: string; v: number[] }[]> }

const CHUNKS = ["1.5", "3"];

async function statsOfSamples(samples: Float32Array, name: string): Promise<number[] | null> {
  const file = path.join(WORK, "audio", `${name}.wav`);
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, encodeWav(samples, SAMPLE_RATE));
  }
  const audio = await prepareAudio(file, path.join(WORK, "work", name));
  const regions = await speechRegions(audio, resolveLocalConfig({}));
  return (await voiceStats(audio.wavPath, regions.mono)).stats;
}

export async function loadCvData(options: { synthetic?: boolean } = {}): Promise<CvData> {
  const file = path.join(CACHE, "data.json");
  let data: CvData;
  if (existsSync(file)) data = JSON.parse(await readFile(file, "utf8"));
  else {
    const clips = (await loadClips(SHARED_DIR)).filter((c) => c.split === "tuning");
    const tmp = path.join(os.tmpdir(), `scryon-cv-${process.pid}`);
    await mkdir(tmp, { recursive: true });
    const readers: ReaderData[] = [];
    try {
      for (const clip of clips) {
        const phone = await phoneBand(clip.samples, tmp);
        const chunks: ReaderData["chunks"] = {};
        for (const c of CHUNKS) {
          const seconds = Number(c);
          chunks[c] = { clean: chunkStats(clip.samples, clip, seconds, seconds / 2), phone: chunkStats(phone, clip, seconds, seconds / 2) };
        }
        const pieces = speechPieces(clip);
        const frames = framesOfSamples(clip.samples, pieces.map((p) => ({ start: p.from / SAMPLE_RATE, end: p.to / SAMPLE_RATE })));
        readers.push({ reader: clip.reader, fold: foldOf(clip.reader), chunks, whole: speakerStats(frames.map((f) => ({ frames: f, from: 0, to: f.count }))) });
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    const voices: VoiceData[] = [];
    const calls: CallData[] = [];
    const diarizer = new LocalDiarizationProvider();
    for (let fold = 0; fold < FOLDS; fold++) {
      const inFold = clips.filter((c) => foldOf(c.reader) === fold);
      const splits = inFold.map((c) => voiceSplit(c, { testSeconds: 5, maxEnrollSeconds: 10, minEnrollSeconds: 6 })).filter((v): v is VoiceSplit => v !== null);
      const kept: VoiceSplit[] = [];
      for (const v of splits) {
        const enroll = await statsOfSamples(v.enroll, `enroll-10-5-${v.clip.id}`);
        const test = await statsOfSamples(v.test.samples, `test-10-5-${v.clip.id}`);
        if (!enroll || !test) continue;
        voices.push({ reader: v.clip.reader, fold, enroll, test });
        kept.push(v);
      }
      const others = inFold.filter((c: Clip) => speechSeconds(c) >= 4);
      // Each enrolled reader of the fold in three calls, each with another reader of the fold.
      for (let round = 0; round < 3; round++) {
        for (const { user, conversation } of resolverCalls(kept, others, kept.length, 40, 9000 + 100 * fold + round)) {
          const wav = await writeConversation({ ...conversation, name: `cv-${conversation.name}` }, "mono-16k", path.join(WORK, "audio"));
          const audio = await prepareAudio(wav, path.join(WORK, "work", `cv-${conversation.name}.mono-16k`));
          const diarization = await diarizer.diarize(audio);
          const { mapping } = scoreDiarization(conversation.turns, diarization.segments);
          const speakers = [];
          for (const s of diarization.speakers) {
            const { stats } = await voiceStats(audio.wavPath, diarization.segments.filter((g) => g.speaker === s.id));
            speakers.push({ id: s.id, stats, truth: mapping[s.id] });
          }
          calls.push({ fold, name: conversation.name, user: user.clip.reader, readers: conversation.readers, speakers, userTruth: `S${conversation.readers.indexOf(user.clip.reader) + 1}` });
        }
      }
      console.error(`fold ${fold}: ${kept.length} voices, ${calls.filter((c) => c.fold === fold).length} calls`);
    }
    data = { readers, voices, calls, synthetic: {} };
    await mkdir(CACHE, { recursive: true });
    await writeFile(file, JSON.stringify(data));
  }
  if (options.synthetic && !data.synthetic["1.5"]) {
    data.synthetic["1.5"] = await syntheticChunks();
    await writeFile(file, JSON.stringify(data));
  }
  return data;
}

// --- scoring -----------------------------------------------------------------------------------------------

export interface VoiceprintConfig {
  dim: number;
  regularisation: number;
  chunk: string;
  phone: boolean;
  synthetic: boolean;
  /** "unseen": the fold's own readers (leaving out the trial's); "training": the projection's readers (the old set-up). */
  cohort: "unseen" | "training";
  /** Each projected dimension scaled by (λ / (λ + 1))^weight before length normalisation (λ: its between/within ratio). */
  weight?: number;
}

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

let TOP_N = Infinity;
function cohortStats(v: number[], cohort: { reader: string; e: number[] }[], leaveOut: Set<string>) {
  const scores = cohort.filter((c) => !leaveOut.has(c.reader)).map((c) => cosine(v, c.e)).sort((a, b) => b - a).slice(0, TOP_N);
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const sd = Math.sqrt(scores.reduce((a, b) => a + (b - mean) ** 2, 0) / scores.length) || 1;
  return { mean, sd };
}

export function snorm(a: number[], b: number[], cohort: { reader: string; e: number[] }[], leaveOut: Set<string>): number {
  const raw = cosine(a, b);
  const sa = cohortStats(a, cohort, leaveOut), sb = cohortStats(b, cohort, leaveOut);
  return 0.5 * ((raw - sa.mean) / sa.sd + (raw - sb.mean) / sb.sd);
}

export function trainingSet(data: CvData, config: VoiceprintConfig, exclude: (fold: number) => boolean) {
  const samples: { label: string; v: number[] }[] = [];
  for (const r of data.readers) {
    if (exclude(r.fold)) continue;
    for (const v of r.chunks[config.chunk]!.clean) samples.push({ label: r.reader, v });
    if (config.phone) for (const v of r.chunks[config.chunk]!.phone) samples.push({ label: r.reader, v });
  }
  if (config.synthetic) samples.push(...(data.synthetic["1.5"] ?? []));
  return samples;
}

export interface Trials {
  /** S-norm scores: same voice / different voices (clean enrollment vs held-back speech). */
  targets: number[];
  nonTargets: number[];
  /** Resolver: per call with the user, the user's diarized speaker's score and whether it was the best one. */
  withUser: { score: number; best: boolean }[];
  /** Resolver: per (profile, call without that reader), the best speaker's score. */
  withoutUser: number[];
}

/** `speakersOf` replaces the calls' diarized speakers (e.g. diarized by the fold's own model). */
export function crossValidate(data: CvData, config: VoiceprintConfig, speakersOf?: (call: CallData) => CallData["speakers"]): Trials {
  const out: Trials = { targets: [], nonTargets: [], withUser: [], withoutUser: [] };
  for (let fold = 0; fold < FOLDS; fold++) {
    const lda = trainLda(trainingSet(data, config, (f) => f === fold), config.dim, config.regularisation);
    const w = lda.eigenvalues.map((l) => (l / (l + 1)) ** (config.weight ?? 0));
    const embed = (s: number[]) => {
      const e = embedWith(lda, s).map((x, k) => x * w[k]!);
      const n = Math.hypot(...e);
      return e.map((x) => x / n);
    };
    const cohortReaders = data.readers.filter((r) => r.whole && (config.cohort === "unseen" ? r.fold === fold : r.fold !== fold));
    const cohort = cohortReaders.map((r) => ({ reader: r.reader, e: embed(r.whole!) }));
    const voices = data.voices.filter((v) => v.fold === fold).map((v) => ({ ...v, e: embed(v.enroll), t: embed(v.test) }));
    for (const a of voices) {
      for (const b of voices) (a.reader === b.reader ? out.targets : out.nonTargets).push(snorm(a.e, b.t, cohort, new Set([a.reader, b.reader])));
    }
    for (const call of data.calls.filter((c) => c.fold === fold)) {
      const speakers = (speakersOf ? speakersOf(call) : call.speakers).filter((s) => s.stats).map((s) => ({ ...s, e: embed(s.stats!) }));
      for (const v of voices) {
        const leaveOut = new Set([v.reader, ...call.readers]);
        const scores = speakers.map((s) => ({ s, z: snorm(v.e, s.e, cohort, leaveOut) }));
        if (scores.length === 0) continue;
        const best = scores.reduce((x, y) => (y.z > x.z ? y : x));
        if (v.reader === call.user) {
          const mine = scores.filter((x) => x.s.truth === call.userTruth).sort((x, y) => y.z - x.z)[0];
          out.withUser.push({ score: mine?.z ?? -Infinity, best: mine !== undefined && mine === best });
        } else if (!call.readers.includes(v.reader)) out.withoutUser.push(best.z);
      }
    }
  }
  return out;
}

export function equalErrorRate(targets: number[], nonTargets: number[]): number {
  const all = [...targets, ...nonTargets].sort((a, b) => a - b);
  let best = 1;
  for (const t of all) {
    const fr = targets.filter((x) => x < t).length / targets.length;
    const fa = nonTargets.filter((x) => x >= t).length / nonTargets.length;
    best = Math.min(best, Math.max(fr, fa));
  }
  return best;
}

/** The lowest threshold at which at most `rate` of the trials without the user name a wrong "You". */
export function thresholdFor(withoutUser: number[], rate: number): number {
  const sorted = [...withoutUser].sort((a, b) => b - a);
  const allowed = Math.floor(rate * sorted.length);
  // Above the (allowed + 1)-th highest score: at most `allowed` trials reach it.
  return (sorted[allowed] ?? -Infinity) + 1e-6;
}

export function summarise(t: Trials, threshold: number) {
  return {
    eer: equalErrorRate(t.targets, t.nonTargets),
    rightYou: t.withUser.filter((x) => x.best && x.score >= threshold).length / t.withUser.length,
    wrongYou: t.withoutUser.filter((x) => x >= threshold).length / t.withoutUser.length,
    calls: t.withUser.length,
    trials: t.withoutUser.length,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

if (process.argv[1]?.endsWith("cv-voiceprint.ts")) {
  const grid = !!process.env.GRID;
  const data = await loadCvData({ synthetic: !process.env.NO_SYNTHETIC });
  console.log(`tuning readers ${data.readers.length}, enrolled voices ${data.voices.length}, calls ${data.calls.length}`);
  const base: VoiceprintConfig = { dim: 25, regularisation: 0.01, chunk: "1.5", phone: true, synthetic: !process.env.NO_SYNTHETIC, cohort: "unseen" };
  const configs: VoiceprintConfig[] = grid
    ? [
        { ...base, cohort: "training" },
        { ...base, cohort: "training", dim: 30 },
        base,
        ...[30, 35, 40].map((dim) => ({ ...base, dim })),
        ...[0.5, 1, 2].map((weight) => ({ ...base, weight })),
        ...[0.5, 1, 2].map((weight) => ({ ...base, dim: 35, weight })),
      ]
    : [base];
  const tops = (process.env.TOPS ?? "").split(",").filter(Boolean).map(Number);
  for (const config of configs) for (const top of [Infinity, ...tops]) {
    TOP_N = top;
    const t = crossValidate(data, config);
    if (process.env.DIAG) {
      const u = t.withUser.map((x) => (x.best ? x.score : -9)).sort((a, b) => a - b);
      const w = [...t.withoutUser].sort((a, b) => b - a);
      console.log(`  user best in ${t.withUser.filter((x) => x.best).length}/${t.withUser.length}; user z (lowest 25): ${u.slice(0, 25).map((x) => x.toFixed(2)).join(" ")}; top impostor z: ${w.slice(0, 25).map((x) => x.toFixed(2)).join(" ")}`);
    }
    const at = (rate: number) => thresholdFor(t.withoutUser, rate);
    const cells = [0.005, 0.0075, 0.01, 0.015].map((rate) => {
      const th = at(rate);
      const s = summarise(t, th);
      return `≤${(rate * 100).toFixed(2)}% wrong: z ${th.toFixed(2)} → right ${pct(s.rightYou)} (wrong ${pct(s.wrongYou)})`;
    });
    const old = summarise(t, 2.1);
    console.log(`${JSON.stringify(config)}${top < Infinity ? ` top ${top}` : ""}: EER ${pct(old.eer)}; ${old.calls} calls, ${old.trials} trials; at z 2.1 right ${pct(old.rightYou)} wrong ${pct(old.wrongYou)}; ${cells.join("; ")}`);
  }
}
