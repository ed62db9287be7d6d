import { agnes } from "ml-hclust";
import { dot, normalise } from "./speaker-model";

/**
 * Clustering of length-normalised speaker embeddings (one per analysis window) into speakers.
 *
 * 1. Average-linkage agglomerative clustering (ml-hclust) on cosine distance. Without a known speaker count
 *    the tree is cut at `threshold`: windows join while their groups are, on average, closer than that —
 *    chosen on the real voices of the tuning readers (docs/speech.md); the speaker model puts a voice's
 *    windows close together whatever is said, which is what makes one absolute threshold work.
 *    With a known count (`k`) the tree is cut into k groups; never more than `maxK`.
 * 2. Groups with less than `minShare` of the speech (or fewer than `minWindows` windows) are not speakers:
 *    their windows go to the nearest remaining group. Back-channel turns ("yeah") are short; this is what
 *    keeps them from becoming a speaker of their own.
 * 3. A few k-means passes settle the windows the tree placed early and badly; groups whose windows end up
 *    closer than `threshold` on average are merged.
 *
 * Average linkage needs the whole distance matrix: above `maxPoints` windows the tree is built on an evenly
 * spaced subset and every window is then assigned to the nearest centroid.
 */

export interface ClusterOptions {
  k?: number;
  maxK: number;
  /** Average cosine distance (1 − cos) below which groups are one speaker. */
  threshold: number;
  minShare: number;
  minWindows: number;
  maxPoints?: number;
  refinePasses?: number;
}

export interface ClusterResult {
  /** 0..k-1 per point. */
  labels: number[];
  k: number;
  /** Unit-length centroid of each label. */
  centroids: number[][];
}

export function clusterEmbeddings(points: number[][], weights: number[], options: ClusterOptions): ClusterResult {
  const n = points.length;
  if (n === 0) return { labels: [], k: 0, centroids: [] };
  const target = options.k !== undefined ? Math.max(1, Math.min(options.k, n)) : undefined;
  if (n === 1 || target === 1) return finish(points, weights, new Array<number>(n).fill(0));

  const maxPoints = options.maxPoints ?? 400;
  const sampleIdx = n <= maxPoints ? points.map((_, i) => i) : Array.from({ length: maxPoints }, (_, i) => Math.floor((i * n) / maxPoints));
  const sample = sampleIdx.map((i) => points[i]!);
  const distances = sample.map((a) => sample.map((b) => Math.max(0, 1 - dot(a, b))));
  const tree = agnes(distances, { method: "average", isDistanceMatrix: true });
  let groups = target !== undefined ? tree.group(target).children : tree.cut(options.threshold);
  if (groups.length > options.maxK) groups = tree.group(options.maxK).children;
  const sampleLabels = new Array<number>(sample.length).fill(0);
  groups.forEach((group, label) => {
    for (const i of group.isLeaf ? [group.index] : group.indices()) sampleLabels[i] = label;
  });

  let centroids = centroidsOf(sample, sampleIdx.map((i) => weights[i] ?? 1), sampleLabels, groups.length);
  let labels = points.map((p) => nearest(p, centroids));

  const total = weights.reduce((a, b) => a + b, 0);
  const passes = options.refinePasses ?? 3;
  for (let pass = 0; pass <= passes; pass++) {
    // Too small to be a speaker: its windows go to the nearest other group.
    for (;;) {
      const k = centroids.length;
      if (k <= 1 || (target !== undefined && k <= target)) break;
      const share = new Array<number>(k).fill(0);
      const count = new Array<number>(k).fill(0);
      labels.forEach((l, i) => {
        share[l]! += (weights[i] ?? 1) / total;
        count[l]!++;
      });
      let smallest = -1;
      for (let l = 0; l < k; l++) {
        if ((share[l]! < options.minShare || count[l]! < options.minWindows) && (smallest < 0 || share[l]! < share[smallest]!)) smallest = l;
      }
      if (smallest < 0) break;
      ({ centroids, labels } = dropGroup(points, weights, labels, centroids, smallest));
    }
    // Groups that turned out to be one voice: the average cosine between their windows (the dot product of
    // their mean vectors — the same measure as the tree's average linkage) is above the cut.
    if (target === undefined) {
      for (;;) {
        const means = meansOf(points, weights, labels, centroids.length);
        let best = -Infinity, bi = -1, bj = -1;
        for (let i = 0; i < centroids.length; i++) {
          for (let j = i + 1; j < centroids.length; j++) {
            const s = dot(means[i]!, means[j]!);
            if (s > best) [best, bi, bj] = [s, i, j];
          }
        }
        if (bi < 0 || 1 - best >= options.threshold) break;
        labels = labels.map((l) => (l === bj ? bi : l > bj ? l - 1 : l));
        centroids = centroidsOf(points, weights, labels, centroids.length - 1);
      }
    }
    if (pass === passes) break;
    const next = points.map((p) => nearest(p, centroids));
    const changed = next.some((l, i) => l !== labels[i]);
    labels = next;
    centroids = centroidsOf(points, weights, labels, centroids.length);
    if (!changed) break;
  }
  return finish(points, weights, labels);
}

function dropGroup(points: number[][], weights: number[], labels: number[], centroids: number[][], drop: number) {
  const kept = centroids.filter((_, l) => l !== drop);
  const relabelled = labels.map((l, i) => (l === drop ? nearest(points[i]!, kept) : l > drop ? l - 1 : l));
  return { labels: relabelled, centroids: centroidsOf(points, weights, relabelled, kept.length) };
}

function finish(points: number[][], weights: number[], labels: number[]): ClusterResult {
  // Labels compacted to 0..k-1 (a group can empty out during refinement).
  const used = [...new Set(labels)].sort((a, b) => a - b);
  const map = new Map(used.map((l, i) => [l, i]));
  const compact = labels.map((l) => map.get(l)!);
  return { labels: compact, k: used.length, centroids: centroidsOf(points, weights, compact, used.length) };
}

/** Unit-length weighted mean direction of each label's points (a zero vector for an empty label). */
export function centroidsOf(points: number[][], weights: number[], labels: number[], k: number): number[][] {
  return meansOf(points, weights, labels, k).map(normalise);
}

/** Weighted mean of each label's points. */
function meansOf(points: number[][], weights: number[], labels: number[], k: number): number[][] {
  const dim = points[0]?.length ?? 0;
  const sums = Array.from({ length: k }, () => new Array<number>(dim).fill(0));
  labels.forEach((l, i) => {
    const w = weights[i] ?? 1;
    const p = points[i]!;
    const s = sums[l]!;
    for (let d = 0; d < dim; d++) s[d]! += p[d]! * w;
  });
  const totals = new Array<number>(k).fill(0);
  labels.forEach((l, i) => (totals[l]! += weights[i] ?? 1));
  return sums.map((s, l) => s.map((x) => x / Math.max(totals[l]!, 1e-12)));
}

/** Index of the centroid with the highest cosine similarity. */
export function nearest(p: number[], centroids: number[][]): number {
  let best = 0;
  let bestSim = -Infinity;
  centroids.forEach((c, i) => {
    const s = dot(p, c);
    if (s > bestSim) {
      bestSim = s;
      best = i;
    }
  });
  return best;
}
