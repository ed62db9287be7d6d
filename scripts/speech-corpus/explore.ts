/**
 * Exploration harness (not part of the product): windows of every benchmark call computed once and cached,
 * then clustering variants scored on tuning / held-out / single-reader calls.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { scoreDiarization, type ReferenceTurn } from "@/lib/speech/eval";
import { resolveLocalConfig } from "@/lib/speech/local/config";
import { analyseWindows, labelWindows, toResult, type Window } from "@/lib/speech/local/diarize";
import { isNarrowband, NARROWBAND_SPEAKER_MODEL, SPEAKER_MODEL } from "@/lib/speech/local/speaker-model";
import { speechRegions } from "@/lib/speech/local/vad";
import { prepareAudio } from "@/lib/speech/prepare";
import { makeSpeechFixtures } from "../make-speech-fixtures";
import { stitchConversation, writeConversation, type Conversation, type Variant } from "./conversations";
import { loadClips, SHARED_DIR, type Split } from "./real-voices";
import { conversationSets } from "./sets";

const WORK = path.resolve(".data/bench/speakers");
export interface Call { group: string; name: string; narrow: boolean; windows: Window[]; turns: ReferenceTurn[]; seconds: number }

async function windowsFor(name: string, file: string, workName: string): Promise<{ windows: Window[]; narrow: boolean }> {
  const cache = path.join(WORK, "windows", `${workName}.json`);
  if (existsSync(cache)) return JSON.parse(await readFile(cache, "utf8"));
  const audio = await prepareAudio(file, path.join(WORK, "work", workName));
  const regions = await speechRegions(audio, resolveLocalConfig({}));
  const narrow = isNarrowband(audio.sourceSampleRate);
  const windows = await analyseWindows(audio.wavPath, regions.mono, narrow ? NARROWBAND_SPEAKER_MODEL : SPEAKER_MODEL);
  await mkdir(path.dirname(cache), { recursive: true });
  await writeFile(cache, JSON.stringify({ windows, narrow }));
  return { windows, narrow };
}

async function convCall(group: string, c: Conversation, variant: Variant): Promise<Call> {
  const file = await writeConversation(c, variant, path.join(WORK, "audio"));
  const { windows, narrow } = await windowsFor(c.name, file, `${c.name}.${variant}`);
  return { group, name: c.name, narrow, windows, turns: c.turns, seconds: c.durationSeconds };
}

export async function loadCalls(opts: { synthetic?: boolean } = {}): Promise<Call[]> {
  const clips = await loadClips(SHARED_DIR);
  const calls: Call[] = [];
  for (const split of ["tuning", "held-out"] as Split[]) {
    for (const set of conversationSets(clips, split)) {
      for (const c of set.conversations) calls.push(await convCall(`${split} ${set.speakers}p mono`, c, "mono-16k"));
      if (set.speakers === 2) for (const c of set.conversations) calls.push(await convCall(`${split} 2p phone`, c, "phone-8k-ulaw"));
    }
    const alone = clips.filter((c) => c.split === split).slice(0, 12);
    for (const [n, clip] of alone.entries()) {
      const c = stitchConversation({ name: `${split}-1p-${n}`, readers: [clip], seconds: 40, seed: 300 + n });
      calls.push(await convCall(`${split} single`, c, "mono-16k"));
    }
  }
  if (opts.synthetic) {
    for (const f of (await makeSpeechFixtures({ set: "all" })).filter((x) => !x.name.startsWith("enroll"))) {
      const audio = await prepareAudio(f.audioPath, path.join(WORK, "work", `synthetic-${f.name}`));
      if (audio.distinctChannels) continue;
      const { windows, narrow } = await windowsFor(f.name, f.audioPath, `synthetic-${f.name}`);
      calls.push({ group: "synthetic", name: f.name, narrow, windows, turns: f.truth.turns, seconds: audio.durationSeconds });
    }
  }
  return calls;
}

export type Labeller = (call: Call) => number[];

export function report(calls: Call[], labeller: Labeller, label: string, verbose = false) {
  const groups = new Map<string, Call[]>();
  for (const c of calls) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  const parts: string[] = [];
  for (const [g, list] of groups) {
    let right = 0, correct = 0, total = 0;
    const wrong: string[] = [];
    for (const call of list) {
      const labels = labeller(call);
      const result = toResult(call.windows, labels);
      const found = result.speakers.length;
      const truth = new Set(call.turns.map((t) => t.speaker)).size;
      const acc = scoreDiarization(call.turns, result.segments).timeAccuracy;
      if (found === truth) right++;
      else wrong.push(`${call.name.replace(/^(tuning|held-out)-/, "")} ${found}/${truth}`);
      if (verbose && acc < 0.9) wrong.push(`${call.name} acc ${(acc * 100).toFixed(0)}`);
      correct += acc * call.seconds;
      total += call.seconds;
    }
    parts.push(`${g}: ${right}/${list.length} ${((100 * correct) / total).toFixed(1)}%${wrong.length && verbose ? ` [${wrong.join(", ")}]` : ""}`);
  }
  console.log(`${label}\n  ${parts.join("\n  ")}`);
}

export const baseline: Labeller = (call) => labelWindows(call.windows, { maxK: 4, threshold: call.narrow ? 0.7 : 0.65 });

if (process.argv[1]?.endsWith("explore.ts")) {
  const calls = await loadCalls({ synthetic: !!process.env.SYNTHETIC });
  report(calls, baseline, "baseline", true);
}
