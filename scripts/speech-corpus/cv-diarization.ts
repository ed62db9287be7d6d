/**
 * Cross-validated choice of the diarizer's cuts, on the TUNING readers only (the companion of
 * `cv-voiceprint.ts`, same four folds `(id / 2) mod 4`).
 *
 *   npx tsx scripts/speech-corpus/cv-diarization.ts                     # grid of the plain and offset cuts
 *   TS=0.6,0.65 OTS=0.85,0.9,0.95 npx tsx scripts/speech-corpus/cv-diarization.ts
 *
 * The tree cuts were first chosen on calls of the very readers the projection was trained on, which it spreads
 * further apart than new voices; on new voices the same cuts merge speakers. Here every call is made of the
 * readers of one fold and projected by a model trained on the other three folds, as the shipped model sees a
 * new user's call. Calls: the fold's two-party resolver calls (40 s, `cv-voiceprint.ts`), three-party calls of
 * 60–180 s and single readers alone (40 s) among the fold's readers. Window statistics are cached once in
 * `.data/bench/speakers/cv/windows.json`; the projection is retrained per fold.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { scoreDiarization, type ReferenceTurn } from "@/lib/speech/eval";
import { resolveLocalConfig } from "@/lib/speech/local/config";
import { DIARIZATION_SETTINGS, labelWindows, toResult, windowsOf, type Window } from "@/lib/speech/local/diarize";
import { extractRegionFrames, FRAME_LEN, HOP_SECONDS, SAMPLE_RATE, speakerStats, STATS_DIM, type FrameRef, type RegionFrames } from "@/lib/speech/local/features";
import { limitRegions, MAX_SECONDS_PER_VOICE } from "@/lib/speech/local/voiceprint";
import { projectSpeaker, type SpeakerModel } from "@/lib/speech/local/speaker-model";
import { speechRegions } from "@/lib/speech/local/vad";
import { prepareAudio } from "@/lib/speech/prepare";
import { WavReader } from "@/lib/speech/wav";
import { trainLda, TRAINING, VOICEPRINT_FOLDS, voiceprintFold } from "../train-speaker-model";
import { stitchConversation, writeConversation } from "./conversations";
import { crossValidate, loadCvData, summarise, thresholdFor, trainingSet, type CallData, type VoiceprintConfig } from "./cv-voiceprint";
import { loadClips, rng, SHARED_DIR, shuffle, speechSeconds } from "./real-voices";
import { resolverCalls, voiceSplit, type VoiceSplit } from "./sets";

const WORK = path.resolve(".data/bench/speakers");
const FILE = path.join(WORK, "cv", "windows.json");

/** Window statistics unprojected: a model that passes the statistics through. */
const IDENTITY: SpeakerModel = {
  kind: "scryon-speaker-lda",
  version: "identity",
  inputDim: STATS_DIM,
  dim: STATS_DIM,
  center: new Array(STATS_DIM).fill(0),
  scale: new Array(STATS_DIM).fill(1),
  projection: Array.from({ length: STATS_DIM }, (_, i) => Array.from({ length: STATS_DIM }, (_, j) => (i === j ? 1 : 0))),
  outputMean: new Array(STATS_DIM).fill(0),
  trainedOn: { readers: 0, chunks: 0, chunkSeconds: 0, split: "", augment: [] },
};

interface CvCall { fold: number; kind: "2p" | "3p" | "1p"; name: string; windows: Window[]; turns: ReferenceTurn[]; seconds: number }

async function windowsOfFile(file: string, work: string): Promise<Window[]> {
  const audio = await prepareAudio(file, path.join(WORK, "work", work));
  const regions = await speechRegions(audio, resolveLocalConfig({}));
  const reader = await WavReader.open(audio.wavPath);
  try {
    return windowsOf(await extractRegionFrames(reader, regions.mono), IDENTITY);
  } finally {
    await reader.close();
  }
}

async function loadCalls(): Promise<CvCall[]> {
  if (existsSync(FILE)) return JSON.parse(await readFile(FILE, "utf8"));
  const clips = (await loadClips(SHARED_DIR)).filter((c) => c.split === "tuning");
  const calls: CvCall[] = [];
  for (let fold = 0; fold < VOICEPRINT_FOLDS; fold++) {
    const inFold = clips.filter((c) => voiceprintFold(c.reader) === fold);
    const talkers = inFold.filter((c) => speechSeconds(c) >= 4);
    // The two-party calls of cv-voiceprint.ts (same seeds, so the same audio files).
    const voices = inFold.map((c) => voiceSplit(c, { testSeconds: 5, maxEnrollSeconds: 10, minEnrollSeconds: 6 })).filter((v): v is VoiceSplit => v !== null);
    const data = await loadCvData();
    const kept = voices.filter((v) => data.voices.some((d) => d.reader === v.clip.reader));
    for (let round = 0; round < 3; round++) {
      for (const { conversation } of resolverCalls(kept, talkers, kept.length, 40, 9000 + 100 * fold + round)) {
        const name = `cv-${conversation.name}`;
        const file = await writeConversation({ ...conversation, name }, "mono-16k", path.join(WORK, "audio"));
        calls.push({ fold, kind: "2p", name, windows: await windowsOfFile(file, `${name}.mono-16k`), turns: conversation.turns, seconds: conversation.durationSeconds });
      }
    }
    const random = rng(7700 + fold);
    for (let i = 0; i < 6; i++) {
      const readers = shuffle(random, talkers).slice(0, 3);
      const conversation = stitchConversation({ name: `cv-${fold}-3p-${i}`, readers, seconds: [60, 90, 120, 180][i % 4]!, seed: 7800 + 10 * fold + i });
      const file = await writeConversation(conversation, "mono-16k", path.join(WORK, "audio"));
      calls.push({ fold, kind: "3p", name: conversation.name, windows: await windowsOfFile(file, `${conversation.name}.mono-16k`), turns: conversation.turns, seconds: conversation.durationSeconds });
    }
    for (const [i, clip] of shuffle(random, talkers).slice(0, 5).entries()) {
      const conversation = stitchConversation({ name: `cv-${fold}-1p-${i}`, readers: [clip], seconds: 40, seed: 7900 + 10 * fold + i });
      const file = await writeConversation(conversation, "mono-16k", path.join(WORK, "audio"));
      calls.push({ fold, kind: "1p", name: conversation.name, windows: await windowsOfFile(file, `${conversation.name}.mono-16k`), turns: conversation.turns, seconds: conversation.durationSeconds });
    }
    console.error(`fold ${fold}: ${calls.filter((c) => c.fold === fold).length} calls`);
  }
  await writeFile(FILE, JSON.stringify(calls));
  return calls;
}

/** Every call's windows projected by the model of the folds it is not in. */
export async function projectedCalls(options: { dim?: number; regularisation?: number } = {}) {
  const calls = await loadCalls();
  const data = await loadCvData({ synthetic: true });
  const config = { dim: options.dim ?? TRAINING.dim, regularisation: options.regularisation ?? TRAINING.regularisation, chunk: "1.5", phone: true, synthetic: true, cohort: "unseen" as const };
  const out: CvCall[] = [];
  for (let fold = 0; fold < VOICEPRINT_FOLDS; fold++) {
    const lda = trainLda(trainingSet(data, config, (f) => f === fold), config.dim, config.regularisation);
    const model: SpeakerModel = { ...IDENTITY, dim: config.dim, center: lda.center, scale: lda.scale, projection: lda.projection, outputMean: lda.outputMean };
    for (const call of calls.filter((c) => c.fold === fold)) {
      out.push({ ...call, windows: call.windows.map((w) => ({ ...w, vector: w.vector ? projectSpeaker(w.vector, model) : null })) });
    }
  }
  return out;
}

/** Statistics of a speaker's segments from a call's cached region frames (as `voiceStats` computes them). */
function statsFromFrames(frames: RegionFrames[], segments: { start: number; end: number }[]): number[] | null {
  const { regions } = limitRegions(segments, MAX_SECONDS_PER_VOICE);
  const half = FRAME_LEN / 2 / SAMPLE_RATE;
  const refs: FrameRef[] = [];
  for (const seg of regions) {
    for (const fr of frames) {
      if (seg.end <= fr.region.start || seg.start >= fr.region.end) continue;
      const from = Math.max(0, Math.ceil((seg.start + half - fr.t0) / HOP_SECONDS - 1e-9));
      const to = Math.min(fr.count, Math.floor((seg.end - half - fr.t0) / HOP_SECONDS + 1e-9) + 1);
      if (to > from) refs.push({ frames: fr, from, to });
    }
  }
  return speakerStats(refs);
}

/** The right / wrong "You" of the two-party calls when they are diarized by their fold's model with these cuts. */
async function pipeline(calls: CvCall[], cuts: { threshold: number; offsetThreshold: number; offsetGuard: number; interleaveMerge: number }[], zs: number[]) {
  const data = await loadCvData({ synthetic: true });
  const frames = new Map<string, RegionFrames[]>();
  for (const call of calls.filter((c) => c.kind === "2p")) {
    const audio = await prepareAudio(path.join(WORK, "audio", `${call.name}.mono-16k.wav`), path.join(WORK, "work", `${call.name}.mono-16k`));
    const regions = await speechRegions(audio, resolveLocalConfig({}));
    const reader = await WavReader.open(audio.wavPath);
    try {
      frames.set(call.name, await extractRegionFrames(reader, regions.mono));
    } finally {
      await reader.close();
    }
  }
  const byName = new Map(calls.map((c) => [c.name, c]));
  const base: VoiceprintConfig = { dim: TRAINING.dim, regularisation: TRAINING.regularisation, chunk: "1.5", phone: true, synthetic: true, cohort: "training" };
  const vpConfigs: VoiceprintConfig[] = process.env.VP_GRID
    ? [base, { ...base, dim: 30 }, { ...base, dim: 35 }, { ...base, cohort: "unseen" }, { ...base, chunk: "3" }]
    : [base];
  for (const cut of cuts) for (const vpConfig of vpConfigs) {
    const speakersOf = (c: CallData) => {
      const call = byName.get(`cv-${c.name}`)!;
      const result = toResult(call.windows, labelWindows(call.windows, { maxK: 4, ...cut }));
      const { mapping } = scoreDiarization(call.turns, result.segments);
      return result.speakers.map((s) => ({ id: s.id, stats: statsFromFrames(frames.get(call.name)!, result.segments.filter((g) => g.speaker === s.id)), truth: mapping[s.id] }));
    };
    const t = crossValidate(data, vpConfig, speakersOf);
    const at1 = thresholdFor(t.withoutUser, 0.01);
    const cells = [...zs, at1].map((z) => {
      const s = summarise(t, z);
      return `z ${z.toFixed(2)}: right ${(100 * s.rightYou).toFixed(1)} % wrong ${(100 * s.wrongYou).toFixed(1)} %`;
    });
    console.log(`cuts ${JSON.stringify(cut)}, voiceprint ${JSON.stringify(vpConfig)}: ${t.withUser.length} calls, ${t.withoutUser.length} trials; ${cells.join("; ")} (last: the 1 % point)`);
  }
}

if (process.argv[1]?.endsWith("cv-diarization.ts")) {
  const calls = await projectedCalls(process.env.DIM ? { dim: Number(process.env.DIM) } : {});
  if (process.env.PIPELINE) {
    const cuts = process.env.PIPELINE.split(";").map((c) => {
      const [threshold, offsetThreshold, offsetGuard, interleaveMerge] = c.split(",").map(Number);
      return { threshold: threshold!, offsetThreshold: offsetThreshold!, offsetGuard: offsetGuard!, interleaveMerge: interleaveMerge! };
    });
    await pipeline(calls, cuts, [2.1, 2.2, 2.3, 2.4]);
    process.exit(0);
  }
  const ts = (process.env.TS ?? "0.55,0.6,0.65").split(",").map(Number);
  const ots = (process.env.OTS ?? "0.8,0.85,0.9,0.95").split(",").map(Number);
  const guards = (process.env.RGS ?? String(DIARIZATION_SETTINGS.offsetGuard)).split(",").map(Number);
  const shares = (process.env.MS ?? String(DIARIZATION_SETTINGS.minShare)).split(",").map(Number);
  const ims = (process.env.IM ?? String(DIARIZATION_SETTINGS.interleaveMerge)).split(",").map(Number);
  for (const im of ims) for (const minShare of shares) for (const guard of guards) for (const threshold of ts) {
    DIARIZATION_SETTINGS.interleaveMerge = im;
    DIARIZATION_SETTINGS.offsetGuard = guard;
    DIARIZATION_SETTINGS.minShare = minShare;
    for (const offsetThreshold of ots) {
      const parts: string[] = [];
      for (const kind of ["2p", "3p", "1p"] as const) {
        const group = calls.filter((c) => c.kind === kind);
        let right = 0, correct = 0, total = 0;
        const wrong = new Map<string, number>();
        for (const call of group) {
          const result = toResult(call.windows, labelWindows(call.windows, { maxK: 4, threshold, offsetThreshold }));
          if (result.speakers.length === new Set(call.turns.map((t) => t.speaker)).size) right++;
          else wrong.set(`${result.speakers.length}`, (wrong.get(`${result.speakers.length}`) ?? 0) + 1);
          correct += scoreDiarization(call.turns, result.segments).timeAccuracy * call.seconds;
          total += call.seconds;
        }
        parts.push(`${kind} ${right}/${group.length} ${((100 * correct) / total).toFixed(1)} %${wrong.size ? ` (found ${[...wrong].map(([k, n]) => `${k}×${n}`).join(" ")})` : ""}`);
      }
      console.log(`interleave ${im}, min share ${minShare}, guard ${guard}, cut ${threshold}, offset cut ${offsetThreshold}: ${parts.join("; ")}`);
    }
  }
}
