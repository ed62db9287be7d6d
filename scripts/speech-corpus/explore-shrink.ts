import { clusterEmbeddings, nearest } from "@/lib/speech/local/cluster";
import { DIARIZATION_SETTINGS, labelWindows } from "@/lib/speech/local/diarize";
import { dot, normalise } from "@/lib/speech/local/speaker-model";
import { baseline, loadCalls, report, type Call, type Labeller } from "./explore";

const s = DIARIZATION_SETTINGS;

function prep(call: Call) {
  const usable = call.windows.map((w, i) => ({ w, i })).filter(({ w }) => w.vector !== null);
  const long = usable.filter(({ w }) => w.analysedSeconds >= s.minClusterSeconds);
  const set = long.length >= 2 ? long : usable;
  const raw = set.map(({ w }) => normalise(w.vector!));
  const weights = set.map(({ w }) => w.end - w.start);
  return { usable, set, raw, weights };
}

function meanOf(points: number[][], weights: number[]) {
  const m = new Array<number>(points[0]!.length).fill(0);
  let t = 0;
  points.forEach((p, i) => { p.forEach((x, d) => (m[d]! += x * weights[i]!)); t += weights[i]!; });
  return m.map((x) => x / t);
}

/** Separation of two groups along the line between their means: d' (difference over pooled sd). */
function dprime(a: number[][], b: number[][]) {
  const ma = meanOf(a, a.map(() => 1)), mb = meanOf(b, b.map(() => 1));
  const dir = normalise(ma.map((x, d) => x - mb[d]!));
  const pa = a.map((p) => dot(p, dir)), pb = b.map((p) => dot(p, dir));
  const mu = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
  const va = (xs: number[]) => { const m = mu(xs); return xs.reduce((x, y) => x + (y - m) ** 2, 0) / xs.length; };
  const pooled = Math.sqrt((va(pa) * pa.length + va(pb) * pb.length) / (pa.length + pb.length));
  return (mu(pa) - mu(pb)) / pooled;
}

export function shrinkLabeller(alpha: number, tWide: number, tNarrow: number, guard?: { kind: "cos" | "dprime"; value: number }, rGuard?: number): Labeller {
  return (call) => {
    const { usable, set, raw, weights } = prep(call);
    if (usable.length === 0) return call.windows.map(() => 0);
    const m = meanOf(raw, weights);
    if (rGuard !== undefined && Math.sqrt(dot(m, m)) >= rGuard) return baseline(call);
    const shrunk = raw.map((p) => normalise(p.map((x, d) => x - alpha * m[d]!)));
    const res = clusterEmbeddings(shrunk, weights, { maxK: 4, threshold: call.narrow ? tNarrow : tWide, minShare: s.minShare, minWindows: s.minWindows });
    let labels = res.labels;
    if (guard) {
      // merge pairs not separated in the raw space
      for (;;) {
        const k = Math.max(...labels) + 1;
        if (k <= 1) break;
        const groups = Array.from({ length: k }, (_, l) => raw.filter((_, i) => labels[i] === l));
        let worst = Infinity, wi = -1, wj = -1;
        for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) {
          const v = guard.kind === "cos" ? 1 - dot(meanOf(groups[i]!, groups[i]!.map(() => 1)), meanOf(groups[j]!, groups[j]!.map(() => 1))) : dprime(groups[i]!, groups[j]!);
          if (v < worst) [worst, wi, wj] = [v, i, j];
        }
        if (worst >= guard.value) break;
        labels = labels.map((l) => (l === wj ? wi : l > wj ? l - 1 : l));
      }
    }
    // assign everything to nearest centroid in the shrunk space
    const k = Math.max(...labels) + 1;
    const cents = Array.from({ length: k }, (_, l) => normalise(meanOf(shrunk.filter((_, i) => labels[i] === l), weights.filter((_, i) => labels[i] === l))));
    const out = new Array<number>(call.windows.length).fill(-1);
    set.forEach(({ i }, n) => (out[i] = labels[n]!));
    for (const { i, w } of usable) if (out[i] === -1) out[i] = nearest(normalise(normalise(w.vector!).map((x, d) => x - alpha * m[d]!)), cents);
    for (let i = 0; i < out.length; i++) if (out[i] === -1) out[i] = out[i - 1] ?? 0;
    for (let i = out.length - 1; i >= 0; i--) if (out[i] === -1) out[i] = out[i + 1] ?? 0;
    return out;
  };
}

/** Diagnostic: for each call, clusters by the shrunk labeller without guard; pairwise raw cos-distance and d'. */
function diagnose(calls: Call[], alpha: number, t: number) {
  const lab = shrinkLabeller(alpha, t, t);
  for (const call of calls) {
    const { set, raw } = prep(call);
    const labels = lab(call);
    const l2 = set.map(({ i }) => labels[i]!);
    const k = Math.max(...l2) + 1;
    const groups = Array.from({ length: k }, (_, l) => raw.filter((_, i) => l2[i] === l));
    const pairs: string[] = [];
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) {
      if (groups[i]!.length < 2 || groups[j]!.length < 2) continue;
      pairs.push(`${(1 - dot(meanOf(groups[i]!, groups[i]!.map(() => 1)), meanOf(groups[j]!, groups[j]!.map(() => 1)))).toFixed(2)}/${dprime(groups[i]!, groups[j]!).toFixed(1)}`);
    }
    console.log(`${call.group} ${call.name} k=${k} ${pairs.join(" ")}`);
  }
}

if (process.argv[1]?.endsWith("explore-shrink.ts")) {
  const calls = await loadCalls({ synthetic: !!process.env.SYNTHETIC });
  if (process.env.DIAG) diagnose(calls, Number(process.env.ALPHA ?? 1), Number(process.env.T ?? 0.65));
  report(calls, baseline, "baseline", !!process.env.V);
  void labelWindows;
  for (const alpha of (process.env.ALPHAS ?? "0.5,0.8,1").split(",").map(Number)) {
    for (const t of (process.env.TS ?? "0.65,0.75,0.85").split(",").map(Number)) {
      for (const tn of (process.env.TNS ?? String(t)).split(",").map(Number)) for (const r of (process.env.RG ?? "").split(",").filter(Boolean).map(Number)) for (const g of (process.env.GCOS ?? "0").split(",").map(Number)) report(calls, shrinkLabeller(alpha, t, tn, g ? { kind: "cos", value: g } : undefined, r), `shrink a=${alpha} t=${t} tn=${tn} R<${r} g=${g}`, !!process.env.V);
      if (!process.env.RG) report(calls, shrinkLabeller(alpha, t, t), `shrink a=${alpha} t=${t}`, !!process.env.V);
      for (const g of (process.env.GDP ?? "").split(",").filter(Boolean).map(Number)) report(calls, shrinkLabeller(alpha, t, t, { kind: "dprime", value: g }), `shrink a=${alpha} t=${t} guard d' ${g}`, !!process.env.V);
    }
  }
}
if (process.env.RES) {
  const calls = await loadCalls();
  for (const call of calls) {
    const { raw, weights } = prep(call);
    const m = meanOf(raw, weights);
    console.log(`R ${call.group.padEnd(20)} ${call.name.padEnd(16)} ${Math.sqrt(dot(m, m)).toFixed(3)} n=${raw.length}`);
  }
}
