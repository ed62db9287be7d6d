import { extractRegionFrames, speakerStats, type FrameRef, type RegionFrames } from "@/lib/speech/local/features";
import { labelWindows, windowsOf, type Window } from "@/lib/speech/local/diarize";
import { dot, embedSpeaker, normalise } from "@/lib/speech/local/speaker-model";
import { limitRegions } from "@/lib/speech/local/voiceprint";
import { WavReader } from "@/lib/speech/wav";
import type { DiarizationSegment } from "@/lib/speech/types";
import { evaluate, loadResolver, plainDecide, plainEmbed, type Decider, type Embedder, type RCall } from "./explore-resolver";
import { shrinkLabeller } from "./explore-shrink";

async function framesFor(call: RCall, segs: { start: number; end: number }[]): Promise<RegionFrames[]> {
  const reader = await WavReader.open(call.audio.wavPath);
  try { return await extractRegionFrames(reader, segs); } finally { await reader.close(); }
}

const trimEmbed = (trim: number): Embedder => async (call, segments, speaker) => {
  const segs = segments.filter((g) => g.speaker === speaker).map((g) => ({ start: g.start + trim, end: g.end - trim })).filter((g) => g.end - g.start >= 0.3);
  const use = segs.length ? segs : segments.filter((g) => g.speaker === speaker);
  const { regions, seconds } = limitRegions(use, 90);
  const frames = await framesFor(call, regions);
  const v = speakerStats(frames.map((f) => ({ frames: f, from: 0, to: f.count })));
  return { vector: v ? embedSpeaker(v) : [], seconds: v ? seconds : 0 };
};

/** Only windows confidently of this speaker: own centroid beats others by `margin`, and the `keep` share closest to the own mean. */
const confidentEmbed = (margin: number, keep: number): Embedder => {
  const cache = new Map<string, Map<string, { refs: FrameRef[]; vecs: number[][]; secs: number[] }>>();
  return async (call, segments, speaker) => {
    const key = `${call.name}|${segments.length}|${segments[0]?.end}`;
    let per = cache.get(key);
    if (!per) {
      per = new Map();
      for (const id of [...new Set(segments.map((g) => g.speaker))]) {
        const { regions } = limitRegions(segments.filter((g) => g.speaker === id), 90);
        const frames = await framesFor(call, regions);
        const refs: FrameRef[] = [], vecs: number[][] = [], secs: number[] = [];
        const per15 = Math.round(1.5 / 0.016), hop = Math.round(0.75 / 0.016);
        for (const fr of frames) {
          for (let from = 0; from < Math.max(1, fr.count - per15 + hop); from += hop) {
            const to = Math.min(fr.count, from + per15);
            if (to - from < 20) continue;
            const st = speakerStats([{ frames: fr, from, to }]);
            if (!st) continue;
            refs.push({ frames: fr, from, to });
            vecs.push(embedSpeaker(st));
            secs.push((to - from) * 0.016);
          }
        }
        per.set(id, { refs, vecs, secs });
      }
      cache.set(key, per);
    }
    const mine = per.get(speaker)!;
    if (mine.vecs.length === 0) return { vector: [], seconds: 0 };
    const cent = (vs: number[][]) => normalise(vs.reduce((a, v) => a.map((x, d) => x + v[d]!), new Array<number>(vs[0]!.length).fill(0)));
    const own = cent(mine.vecs);
    const others = [...per.entries()].filter(([id, p]) => id !== speaker && p.vecs.length).map(([, p]) => cent(p.vecs));
    const conf = mine.vecs.map((v) => dot(v, own) - Math.max(-1, ...others.map((o) => dot(v, o))));
    const order = conf.map((c, i) => ({ c, i })).filter(({ c }) => c >= margin).sort((a, b) => b.c - a.c);
    const kept = order.slice(0, Math.max(1, Math.ceil(order.length * keep))).map(({ i }) => i);
    const idx = kept.length >= 3 ? kept : mine.vecs.map((_, i) => i);
    // non-overlapping pooling: windows overlap by half; pool refs anyway (frames counted twice at most)
    const v = speakerStats(idx.map((i) => mine.refs[i]!));
    return { vector: v ? embedSpeaker(v) : [], seconds: idx.reduce((a, i) => a + mine.secs[i]! / 2, 0) };
  };
};

const marginDecide = (t: number, margin: number, minSeconds = 0): Decider => (scores) => {
  const s = [...scores].sort((a, b) => b.score - a.score);
  const best = s[0];
  if (!best || best.score < t || best.seconds < minSeconds) return null;
  if (s[1] && best.score - s[1].score < margin) return null;
  return best.speaker;
};

const data = await loadResolver();
const deciders: [string, Decider][] = [];
for (const t of [0.4, 0.45, 0.5, 0.55, 0.6]) deciders.push([`t=${t}`, plainDecide(t)]);
for (const t of [0.4, 0.45, 0.5]) for (const m of [0.1, 0.2, 0.3]) deciders.push([`t=${t} margin ${m}`, marginDecide(t, m)]);
const labellers: [string, (w: Window[]) => number[]][] = [["base", (w) => labelWindows(w, { maxK: 4, threshold: 0.65 })]];
if (process.env.SHRINK) { const [a, t, g] = process.env.SHRINK.split(",").map(Number); const l = shrinkLabeller(a!, t!, t!, { kind: "cos", value: g! }); labellers.push([`shrink ${process.env.SHRINK}`, (w) => l({ group: "", name: "", narrow: false, windows: w, turns: [], seconds: 0 })]); }
const embedders: [string, Embedder][] = [["plain", plainEmbed]];
for (const x of (process.env.TRIM ?? "").split(",").filter(Boolean)) embedders.push([`trim ${x}`, trimEmbed(Number(x))]);
for (const x of (process.env.CONF ?? "").split(";").filter(Boolean)) { const [m, k] = x.split(",").map(Number); embedders.push([`conf m=${m} keep=${k}`, confidentEmbed(m!, k!)]); }
for (const [ln, l] of labellers) for (const [en, e] of embedders) {
  console.log(`== ${ln} / ${en}`);
  await evaluate(data, l, e, deciders);
}
void windowsOf; void ({} as DiarizationSegment);
