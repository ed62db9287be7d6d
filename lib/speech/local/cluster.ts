import { agnes, type Cluster } from "ml-hclust";

/**
 * Ward clustering of window feature vectors with the number of speakers estimated by a distance threshold.
 *
 * 1. The Ward tree (ml-hclust `ward2`, i.e. Ward on Euclidean distances) is cut into `maxK + 2` groups —
 *    more than there can be speakers, so different voices are almost never in one group.
 * 2. Groups that are too small to be a speaker (fewer than `minWindows` windows, or less than `minShare` of
 *    the speech time) are merged into the group with the nearest centroid.
 * 3. While the two closest group centroids are nearer than `mergeDistance`, they are merged (time-weighted
 *    centroids). Vectors are scaled so that distances are in units of typical within-speaker spread
 *    (`diarize.ts`), which is what makes one absolute threshold meaningful across recordings; how it was
 *    calibrated is in docs/speech.md.
 * 4. If more than `maxK` groups are left, the closest ones are merged until `maxK` remain; with a known
 *    number of speakers (`k`), merging continues down to `k` regardless of the threshold.
 *
 * agnes is O(n³) in time; above `maxPoints` vectors the tree is built on an evenly spaced subset and every
 * vector is then assigned to the nearest group centroid.
 */

export interface ClusterOptions {
  /** Known number of clusters (skips the estimate). */
  k?: number;
  maxK: number;
  mergeDistance: number;
  minShare: number;
  minWindows: number;
  maxPoints?: number;
}

export interface ClusterResult {
  /** 0..k-1 per point. */
  labels: number[];
  k: number;
  /** Centroid of each label (time-weighted). */
  centroids: number[][];
}

export function clusterVectors(points: number[][], weights: number[], options: ClusterOptions): ClusterResult {
  const n = points.length;
  if (n === 0) return { labels: [], k: 0, centroids: [] };
  const target = options.k !== undefined ? Math.max(1, Math.min(options.k, n)) : undefined;
  if (n === 1 || target === 1) return finish(points, weights, points.map(() => 0));

  const maxPoints = options.maxPoints ?? 300;
  const initialK = Math.min(n, Math.max(options.maxK, target ?? 0) + 2);
  let labels: number[];
  if (n <= maxPoints) {
    labels = cutTree(agnes(points, { method: "ward2" }), initialK, n);
  } else {
    const sampleIdx = Array.from({ length: maxPoints }, (_, i) => Math.floor((i * n) / maxPoints));
    const sample = sampleIdx.map((i) => points[i]!);
    const sampleLabels = cutTree(agnes(sample, { method: "ward2" }), initialK, sample.length);
    const cents = weightedCentroids(sample, sampleIdx.map((i) => weights[i] ?? 1), sampleLabels);
    labels = points.map((p) => nearest(p, cents.filter((c): c is number[] => c !== null)));
  }

  const groups = new Map<number, number[]>();
  labels.forEach((l, i) => groups.set(l, [...(groups.get(l) ?? []), i]));
  const total = weights.reduce((a, b) => a + b, 0);
  const centroidOf = (members: number[]) => centroid(members.map((i) => points[i]!), members.map((i) => weights[i] ?? 1));
  const weightOf = (members: number[]) => members.reduce((a, i) => a + (weights[i] ?? 1), 0);

  while (groups.size > 1) {
    const keys = [...groups.keys()];
    const cents = new Map(keys.map((k) => [k, centroidOf(groups.get(k)!)]));
    const tiny = keys.filter((k) => {
      const members = groups.get(k)!;
      return members.length < options.minWindows || weightOf(members) / total < options.minShare;
    });
    let from: number;
    let into: number;
    if (tiny.length > 0 && (target === undefined || groups.size > target)) {
      from = tiny.reduce((a, b) => (weightOf(groups.get(a)!) <= weightOf(groups.get(b)!) ? a : b));
      into = closest(from, keys, cents);
    } else {
      let best = Infinity;
      from = keys[0]!;
      into = keys[1]!;
      for (let a = 0; a < keys.length; a++) {
        for (let b = a + 1; b < keys.length; b++) {
          const d = euclidean(cents.get(keys[a]!)!, cents.get(keys[b]!)!);
          if (d < best) {
            best = d;
            from = keys[b]!;
            into = keys[a]!;
          }
        }
      }
      const mustMerge = target !== undefined ? groups.size > target : groups.size > options.maxK;
      if (!mustMerge && (target !== undefined || best >= options.mergeDistance)) break;
    }
    groups.set(into, [...groups.get(into)!, ...groups.get(from)!]);
    groups.delete(from);
  }

  const final = new Array<number>(n).fill(0);
  [...groups.values()].forEach((members, label) => members.forEach((i) => (final[i] = label)));
  return finish(points, weights, final);
}

function finish(points: number[][], weights: number[], labels: number[]): ClusterResult {
  const k = labels.length ? Math.max(...labels) + 1 : 0;
  const cents = weightedCentroids(points, weights, labels).map((c) => c ?? []);
  return { labels, k, centroids: cents };
}

/** Labels 0..k-1 for the leaves of `tree` cut into k groups. */
function cutTree(tree: Cluster, k: number, n: number): number[] {
  const labels = new Array<number>(n).fill(0);
  if (k <= 1) return labels;
  tree.group(k).children.forEach((child, label) => {
    for (const i of child.indices()) labels[i] = label;
  });
  return labels;
}

function closest(from: number, keys: number[], cents: Map<number, number[]>): number {
  let best = Infinity;
  let into = keys.find((k) => k !== from)!;
  for (const k of keys) {
    if (k === from) continue;
    const d = euclidean(cents.get(from)!, cents.get(k)!);
    if (d < best) {
      best = d;
      into = k;
    }
  }
  return into;
}

export function euclidean(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

export function centroid(points: number[][], weights: number[]): number[] {
  const dim = points[0]?.length ?? 0;
  const out = new Array<number>(dim).fill(0);
  let total = 0;
  points.forEach((p, i) => {
    const w = weights[i] ?? 1;
    total += w;
    for (let d = 0; d < dim; d++) out[d] = out[d]! + p[d]! * w;
  });
  return out.map((v) => v / Math.max(total, 1e-12));
}

function weightedCentroids(points: number[][], weights: number[], labels: number[]): (number[] | null)[] {
  const k = labels.length ? Math.max(...labels) + 1 : 0;
  return Array.from({ length: k }, (_, l) => {
    const idx = labels.map((x, i) => (x === l ? i : -1)).filter((i) => i >= 0);
    return idx.length ? centroid(idx.map((i) => points[i]!), idx.map((i) => weights[i] ?? 1)) : null;
  });
}

export function nearest(p: number[], cents: number[][]): number {
  let best = 0;
  let bestD = Infinity;
  cents.forEach((c, i) => {
    const d = euclidean(p, c);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}
