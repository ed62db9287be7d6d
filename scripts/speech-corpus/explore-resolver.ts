import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { scoreDiarization } from "@/lib/speech/eval";
import { resolveLocalConfig } from "@/lib/speech/local/config";
import { analyseWindows, labelWindows, toResult, type Window } from "@/lib/speech/local/diarize";
import { LocalVoiceprintProvider, parseEmbedding, voiceprintScore } from "@/lib/speech/local/voiceprint";
import { speechRegions } from "@/lib/speech/local/vad";
import { prepareAudio } from "@/lib/speech/prepare";
import type { DiarizationSegment, PreparedAudio } from "@/lib/speech/types";
import { encodeWav } from "@/lib/speech/wav";
import { writeConversation } from "./conversations";
import { loadClips, SAMPLE_RATE, SHARED_DIR, speechSeconds, type Split } from "./real-voices";
import { resolverCalls, voiceSplit, type VoiceSplit } from "./sets";

const WORK = path.resolve(".data/bench/speakers");
const vp = new LocalVoiceprintProvider();

async function preparedSamples(samples: Float32Array, name: string): Promise<PreparedAudio> {
  const file = path.join(WORK, "audio", `${name}.wav`);
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, encodeWav(samples, SAMPLE_RATE));
  }
  return prepareAudio(file, path.join(WORK, "work", name));
}

export interface RCall { split: Split; name: string; user: string; readers: string[]; audio: PreparedAudio; windows: Window[]; turns: { speaker: string; start: number; end: number }[] }

export async function loadResolver() {
  const clips = await loadClips(SHARED_DIR);
  const out: { split: Split; profiles: Map<string, number[]>; calls: RCall[] }[] = [];
  for (const split of ["tuning", "held-out"] as Split[]) {
    const half = clips.filter((c) => c.split === split);
    const voices = half.map((c) => voiceSplit(c, { testSeconds: 5, maxEnrollSeconds: 10, minEnrollSeconds: 6 })).filter((v): v is VoiceSplit => v !== null);
    const profiles = new Map<string, number[]>();
    for (const v of voices) {
      const p = await vp.enroll(await preparedSamples(v.enroll, `enroll-10-5-${v.clip.id}`)).catch(() => null);
      if (p) profiles.set(v.clip.reader, parseEmbedding(p.embedding)!);
    }
    const calls = resolverCalls(voices.filter((v) => profiles.has(v.clip.reader)), half.filter((c) => speechSeconds(c) >= 4), 20, 40, split === "tuning" ? 71 : 72);
    const rc: RCall[] = [];
    for (const { user, conversation } of calls) {
      const file = await writeConversation(conversation, "mono-16k", path.join(WORK, "audio"));
      const audio = await prepareAudio(file, path.join(WORK, "work", `${conversation.name}.mono-16k`));
      const cache = path.join(WORK, "windows", `${conversation.name}.mono-16k.json`);
      let windows: Window[];
      if (existsSync(cache)) windows = JSON.parse(await readFile(cache, "utf8")).windows;
      else {
        windows = await analyseWindows(audio.wavPath, (await speechRegions(audio, resolveLocalConfig({}))).mono);
        await mkdir(path.dirname(cache), { recursive: true });
        await writeFile(cache, JSON.stringify({ windows, narrow: false }));
      }
      rc.push({ split, name: conversation.name, user: user.clip.reader, readers: conversation.readers, audio, windows, turns: conversation.turns });
    }
    out.push({ split, profiles, calls: rc });
  }
  return out;
}

export type Embedder = (call: RCall, segments: DiarizationSegment[], speaker: string) => Promise<{ vector: number[]; seconds: number }>;
export const plainEmbed: Embedder = async (call, segments, speaker) => {
  const e = await vp.embed(call.audio.wavPath, segments.filter((g) => g.speaker === speaker));
  return { vector: e.vector, seconds: e.speechSeconds };
};

export type Decider = (scores: { speaker: string; score: number; seconds: number }[]) => string | null;
export const plainDecide = (t: number): Decider => (scores) => {
  const best = [...scores].sort((a, b) => b.score - a.score)[0];
  return best && best.score >= t ? best.speaker : null;
};

export async function evaluate(data: Awaited<ReturnType<typeof loadResolver>>, labeller: (w: Window[]) => number[], embed: Embedder, deciders: [string, Decider][]) {
  for (const { split, profiles, calls } of data) {
    const stats = deciders.map(() => ({ right: 0, wrongWith: 0, trials: 0, wrong: 0 }));
    const userScores: number[] = [];
    const bestOther: number[] = [];
    for (const call of calls) {
      const result = toResult(call.windows, labeller(call.windows));
      const { mapping } = scoreDiarization(call.turns, result.segments);
      const userTruth = `S${call.readers.indexOf(call.user) + 1}`;
      const embs = await Promise.all(result.speakers.map(async (s) => ({ speaker: s.id, ...(await embed(call, result.segments, s.id)) })));
      for (const [reader, profile] of profiles) {
        const scores = embs.map((e) => ({ speaker: e.speaker, seconds: e.seconds, score: e.seconds > 0 ? voiceprintScore(e.vector, profile) : 0 }));
        if (reader === call.user) {
          for (const s of scores) if (mapping[s.speaker] === userTruth) userScores.push(s.score);
        } else if (!call.readers.includes(reader)) bestOther.push(Math.max(...scores.map((s) => s.score)));
        deciders.forEach(([, d], k) => {
          const you = d(scores);
          if (reader === call.user) {
            if (you && mapping[you] === userTruth) stats[k]!.right++;
            else if (you) stats[k]!.wrongWith++;
          } else if (!call.readers.includes(reader)) {
            stats[k]!.trials++;
            if (you) stats[k]!.wrong++;
          }
        });
      }
    }
    const b = [...bestOther].sort((x, y) => x - y);
    const at1 = b[Math.min(b.length - 1, Math.ceil(b.length * 0.99))]!;
    const u = [...userScores].sort((x, y) => x - y);
    console.log(`  ${split}: user scores ${u.map((x) => x.toFixed(2)).join(" ")}; 1%-wrong at ${at1.toFixed(3)} → right ${(userScores.filter((x) => x > at1).length / calls.length * 100).toFixed(0)}%`);
    deciders.forEach(([name], k) => {
      const st = stats[k]!;
      console.log(`    ${name}: right You ${st.right}/${calls.length}, wrong-with ${st.wrongWith}, wrong You ${st.wrong}/${st.trials} = ${((100 * st.wrong) / st.trials).toFixed(1)}%`);
    });
  }
}

if (process.argv[1]?.endsWith("explore-resolver.ts")) {
  const data = await loadResolver();
  const base = (w: Window[]) => labelWindows(w, { maxK: 4, threshold: 0.65 });
  await evaluate(data, base, plainEmbed, [["t=0.5", plainDecide(0.5)]]);
}
