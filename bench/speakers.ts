/**
 * Speakers benchmark: the local diarizer and voiceprint on real voices (LibriSpeech readers, tuning and
 * held-out halves) and on the synthetic fixtures.
 *
 *   npm run bench:speakers                 # full sets (needs ../shared/speech/librispeech-dev for real voices)
 *   npm run bench:speakers -- --quick      # calls at 1/4 length, 4 per set
 *   npm run bench:speakers -- --write-docs # also writes the tables into docs/speech.md
 *   options: --split tuning|held-out, --no-synthetic, --no-phone, --only diarization|voiceprint
 *
 * Diarization, per call: speakers found/true, speech time on the right speaker (best one-to-one mapping),
 * DER (collar 0.25 s), back-channel turns labelled right, whether a back-channel was split off as a speaker
 * of its own. Voiceprint: EER of enrollment vs held-back test speech of every reader pair, false accepts /
 * rejects at the resolver's threshold, and the resolver on calls: the user named "You" on the right speaker
 * in calls where they speak, a wrong "You" in calls where they do not.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { diarizationErrorRate, equalErrorRate, scoreDiarization, type ReferenceTurn } from "../lib/speech/eval";
import { LocalDiarizationProvider } from "../lib/speech/local/diarize";
import { assignMatches, LocalVoiceprintProvider, parseEmbedding, VOICEPRINT_THRESHOLD, voiceprintScore } from "../lib/speech/local/voiceprint";
import { resolveLocalConfig } from "../lib/speech/local/config";
import { speechRegions } from "../lib/speech/local/vad";
import { prepareAudio } from "../lib/speech/prepare";
import type { DiarizationResult, PreparedAudio } from "../lib/speech/types";
import { encodeWav } from "../lib/speech/wav";
import { makeSpeechFixtures } from "../scripts/make-speech-fixtures";
import { writeConversation, type Conversation, type Variant } from "../scripts/speech-corpus/conversations";
import { corpusDir, loadClips, SAMPLE_RATE, SHARED_DIR, speechSeconds, type Clip, type Split } from "../scripts/speech-corpus/real-voices";
import { conversationSets, resolverCalls, voiceSplit, type VoiceSplit } from "../scripts/speech-corpus/sets";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = flag("--quick");
const WORK = path.resolve(".data/bench/speakers");
const diarizer = new LocalDiarizationProvider();
const voiceprint = new LocalVoiceprintProvider();

interface CallRow {
  set: string;
  call: string;
  variant: Variant;
  seconds: number;
  found: number;
  truth: number;
  timeAccuracy: number;
  der: number;
  backchannels: number;
  backchannelsRight: number;
  backchannelSplit: boolean;
  diarizeSeconds: number;
}

async function prepared(file: string, name: string): Promise<PreparedAudio> {
  // Work dirs persist between runs: decoding and the VAD are cached there (speech-prepare.json, vad.json).
  return prepareAudio(file, path.join(WORK, "work", name));
}

async function diarizeCall(conversation: Conversation, variant: Variant, set: string): Promise<CallRow> {
  const file = await writeConversation(conversation, variant, path.join(WORK, "audio"));
  const audio = await prepared(file, `${conversation.name}.${variant}`);
  const started = performance.now();
  const result = await diarizer.diarize(audio);
  const diarizeSeconds = (performance.now() - started) / 1000;
  return { ...scoreCall(conversation, result), set, call: conversation.name, variant, seconds: conversation.durationSeconds, diarizeSeconds };
}

function scoreCall(conversation: Pick<Conversation, "turns" | "backchannels">, result: DiarizationResult) {
  const score = scoreDiarization(conversation.turns, result.segments);
  const { der } = diarizationErrorRate(conversation.turns, result.segments, 0.25);
  let right = 0;
  for (const turn of conversation.backchannels) {
    const dominant = dominantSpeaker(turn, result);
    if (dominant && score.mapping[dominant] === turn.speaker) right++;
  }
  // A back-channel split off: a hypothesis speaker that is unmapped or whose time is mostly back-channels.
  const split = result.speakers.some((s) => {
    const time = (turns: ReferenceTurn[]) => turns.reduce((a, t) => a + overlapWith(t, result, s.id), 0);
    const all = result.segments.filter((g) => g.speaker === s.id).reduce((a, g) => a + g.end - g.start, 0);
    return all > 0 && time(conversation.backchannels) / all > 0.5;
  });
  return {
    found: result.speakers.length,
    truth: new Set(conversation.turns.map((t) => t.speaker)).size,
    timeAccuracy: score.timeAccuracy,
    der,
    backchannels: conversation.backchannels.length,
    backchannelsRight: right,
    backchannelSplit: split,
  };
}

function overlapWith(turn: ReferenceTurn, result: DiarizationResult, speaker: string): number {
  return result.segments
    .filter((s) => s.speaker === speaker)
    .reduce((a, s) => a + Math.max(0, Math.min(s.end, turn.end) - Math.max(s.start, turn.start)), 0);
}

function dominantSpeaker(turn: ReferenceTurn, result: DiarizationResult): string | undefined {
  let best: string | undefined;
  let most = 0;
  for (const s of result.speakers) {
    const o = overlapWith(turn, result, s.id);
    if (o > most) [most, best] = [o, s.id];
  }
  return best;
}

// --- voiceprint ----------------------------------------------------------------------------------------

async function enrollSamples(samples: Float32Array, name: string): Promise<unknown> {
  return (await voiceprint.enroll(await preparedSamples(samples, name))).embedding;
}

/** The embedding of a test segment: like enrollment, but without its minimum length. */
async function embedSamples(samples: Float32Array, name: string): Promise<unknown> {
  const audio = await preparedSamples(samples, name);
  const regions = await speechRegions(audio, resolveLocalConfig({}));
  return voiceprint.embed(audio.wavPath, regions.mono);
}

async function preparedSamples(samples: Float32Array, name: string): Promise<PreparedAudio> {
  const file = path.join(WORK, "audio", `${name}.wav`);
  if (!existsSync(file)) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, encodeWav(samples, SAMPLE_RATE));
  }
  return prepared(file, name);
}

interface VoiceprintFigures {
  split: Split;
  protocol: string;
  readers: number;
  refused: number;
  eer: number;
  eerThreshold: number;
  falseAccept: number;
  falseReject: number;
  targets: number[];
  nonTargets: number[];
}

async function voiceprintFigures(clips: Clip[], split: Split, protocol: { testSeconds: number; maxEnrollSeconds: number; minEnrollSeconds: number }): Promise<VoiceprintFigures> {
  const voices = clips.filter((c) => c.split === split).map((c) => voiceSplit(c, protocol)).filter((v): v is VoiceSplit => v !== null);
  const tag = `${protocol.maxEnrollSeconds}-${protocol.testSeconds}`;
  const enrolled: number[][] = [];
  const tested: number[][] = [];
  let refused = 0;
  for (const v of voices) {
    // A reader whose enrollment part the VAD finds too little speech in is refused, as the product would.
    const profile = await enrollSamples(v.enroll, `enroll-${tag}-${v.clip.id}`).catch(() => null);
    if (!profile) {
      refused++;
      continue;
    }
    enrolled.push(parseEmbedding(profile)!);
    tested.push(parseEmbedding(await embedSamples(v.test.samples, `test-${tag}-${v.clip.id}`))!);
  }
  const targets: number[] = [];
  const nonTargets: number[] = [];
  enrolled.forEach((e, i) => tested.forEach((t, j) => (i === j ? targets : nonTargets).push(voiceprintScore(e, t))));
  const { eer, threshold } = equalErrorRate(targets, nonTargets);
  return {
    split,
    protocol: `enrol ≤ ${protocol.maxEnrollSeconds} s (≥ ${protocol.minEnrollSeconds} s), test ${protocol.testSeconds} s`,
    readers: enrolled.length,
    refused,
    eer,
    eerThreshold: threshold,
    falseAccept: nonTargets.filter((s) => s >= VOICEPRINT_THRESHOLD).length / Math.max(1, nonTargets.length),
    falseReject: targets.filter((s) => s < VOICEPRINT_THRESHOLD).length / Math.max(1, targets.length),
    targets,
    nonTargets,
  };
}

interface ResolverFigures {
  split: Split;
  callsWithUser: number;
  rightYou: number;
  wrongYouWithUser: number;
  trialsWithoutUser: number;
  wrongYouWithoutUser: number;
  userScores: number[];
  otherScores: number[];
  /** Best score of any speaker, per trial without the user. */
  bestWithoutUser: number[];
}

async function resolverFigures(clips: Clip[], split: Split, count: number, seconds: number): Promise<ResolverFigures> {
  const half = clips.filter((c) => c.split === split);
  const voices = half.map((c) => voiceSplit(c, { testSeconds: 5, maxEnrollSeconds: 10, minEnrollSeconds: 6 })).filter((v): v is VoiceSplit => v !== null);
  const profiles = new Map<string, unknown>();
  for (const v of voices) {
    const profile = await enrollSamples(v.enroll, `enroll-10-5-${v.clip.id}`).catch(() => null);
    if (profile) profiles.set(v.clip.reader, profile);
  }
  const calls = resolverCalls(voices.filter((v) => profiles.has(v.clip.reader)), half.filter((c) => speechSeconds(c) >= 4), count, seconds, split === "tuning" ? 71 : 72);
  const figures: ResolverFigures = { split, callsWithUser: 0, rightYou: 0, wrongYouWithUser: 0, trialsWithoutUser: 0, wrongYouWithoutUser: 0, userScores: [], otherScores: [], bestWithoutUser: [] };
  for (const { user, conversation } of calls) {
    const file = await writeConversation(conversation, "mono-16k", path.join(WORK, "audio"));
    const audio = await prepared(file, `${conversation.name}.mono-16k`);
    const diarization = await diarizer.diarize(audio);
    const { mapping } = scoreDiarization(conversation.turns, diarization.segments);
    const userTruth = `S${conversation.readers.indexOf(user.clip.reader) + 1}`;
    // One identify call with every profile: each profile's best speaker is its candidate.
    const embeddings = await Promise.all(
      diarization.speakers.map(async (s) => ({ speaker: s.id, vector: (await voiceprint.embed(audio.wavPath, diarization.segments.filter((g) => g.speaker === s.id))).vector })),
    );
    for (const [reader, profile] of profiles) {
      const vector = parseEmbedding(profile)!;
      const scored = embeddings.map((e) => ({ speaker: e.speaker, userId: reader, score: voiceprintScore(e.vector, vector) }));
      const matches = assignMatches(scored, VOICEPRINT_THRESHOLD);
      const you = matches.find((m) => m.userId === reader);
      if (reader === user.clip.reader) {
        figures.callsWithUser++;
        const truthOfYou = you ? mapping[you.speaker] : undefined;
        if (truthOfYou === userTruth) figures.rightYou++;
        else if (you) figures.wrongYouWithUser++;
        for (const s of scored) (mapping[s.speaker] === userTruth ? figures.userScores : figures.otherScores).push(s.score);
      } else if (!conversation.readers.includes(reader)) {
        figures.trialsWithoutUser++;
        if (you) figures.wrongYouWithoutUser++;
        figures.bestWithoutUser.push(Math.max(...scored.map((x) => x.score)));
      }
    }
  }
  return figures;
}

// --- synthetic -------------------------------------------------------------------------------------------

async function syntheticRows(): Promise<CallRow[]> {
  const fixtures = await makeSpeechFixtures({ set: "all" });
  const rows: CallRow[] = [];
  const root = path.join(os.tmpdir(), `scryon-bench-speakers-${process.pid}`);
  try {
    for (const f of fixtures) {
      const audio = await prepareAudio(f.audioPath, path.join(root, f.name));
      const started = performance.now();
      const result = await diarizer.diarize(audio);
      const diarizeSeconds = (performance.now() - started) / 1000;
      rows.push({ ...scoreCall({ turns: f.truth.turns, backchannels: [] }, result), set: "synthetic", call: f.name, variant: audio.distinctChannels ? "stereo-16k" : "mono-16k", seconds: audio.durationSeconds, diarizeSeconds });
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return rows;
}

// --- report ----------------------------------------------------------------------------------------------

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

function summarise(rows: CallRow[]) {
  const audio = rows.reduce((a, r) => a + r.seconds, 0);
  return {
    calls: rows.length,
    countRight: rows.filter((r) => r.found === r.truth).length,
    timeAccuracy: rows.reduce((a, r) => a + r.timeAccuracy * r.seconds, 0) / Math.max(1, audio),
    minTimeAccuracy: Math.min(...rows.map((r) => r.timeAccuracy)),
    der: rows.reduce((a, r) => a + r.der * r.seconds, 0) / Math.max(1, audio),
    backchannels: rows.reduce((a, r) => a + r.backchannels, 0),
    backchannelsRight: rows.reduce((a, r) => a + r.backchannelsRight, 0),
    backchannelSplits: rows.filter((r) => r.backchannelSplit).length,
    speed: rows.reduce((a, r) => a + r.diarizeSeconds, 0) / Math.max(1, audio),
  };
}

async function main() {
  const lines: string[] = [];
  const out = (line = "") => {
    console.log(line);
    lines.push(line);
  };
  const splits: Split[] = option("--split") ? [option("--split") as Split] : ["tuning", "held-out"];
  const only = option("--only");
  const dir = corpusDir();
  const full = dir === SHARED_DIR;
  const clips = await loadClips(dir);
  const started = performance.now();
  out(`Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:speakers${args.length ? ` -- ${args.join(" ")}` : ""}\` on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}); real voices: ${full ? "the 251 LibriSpeech development readers" : "only the vendored clips (../shared is not here)"}; tuning = even reader ids, held-out = odd.`);
  out();

  const allRows: CallRow[] = [];
  if (only !== "voiceprint") {
    out("**Diarization, per call** (speech time on the right speaker after the best one-to-one mapping; DER with a 0.25 s collar; back-channels: turns under a second labelled right):");
    out();
    out("| set | call | variant | length | speakers (found/true) | time on right speaker | DER | back-channels right | diarize time |");
    out("|---|---|---|---:|---:|---:|---:|---:|---:|");
    for (const split of splits) {
      for (const set of conversationSets(clips, split, quick ? { scale: 0.25, count: 4 } : {})) {
        const variants: Variant[] = ["mono-16k", ...(set.speakers === 2 && !flag("--no-phone") ? (["phone-8k-ulaw"] as const) : [])];
        for (const variant of variants) {
          for (const conversation of set.conversations) {
            const row = await diarizeCall(conversation, variant, `${split} ${set.name}`);
            allRows.push(row);
            out(`| ${row.set} | ${row.call} | ${variant} | ${row.seconds.toFixed(0)} s | ${row.found}/${row.truth} | ${pct(row.timeAccuracy)} | ${pct(row.der)} | ${row.backchannelsRight}/${row.backchannels}${row.backchannelSplit ? " (split off)" : ""} | ${row.diarizeSeconds.toFixed(1)} s |`);
          }
        }
        // Per-side stereo: two calls, one speaker per channel (exact by construction).
        if (set.speakers === 2) {
          for (const conversation of set.conversations.slice(0, 2)) {
            const row = await diarizeCall(conversation, "stereo-16k", `${split} ${set.name}`);
            allRows.push(row);
            out(`| ${row.set} | ${row.call} | stereo-16k | ${row.seconds.toFixed(0)} s | ${row.found}/${row.truth} | ${pct(row.timeAccuracy)} | ${pct(row.der)} | ${row.backchannelsRight}/${row.backchannels} | ${row.diarizeSeconds.toFixed(1)} s |`);
          }
        }
      }
    }
    if (!flag("--no-synthetic")) {
      for (const row of await syntheticRows()) {
        allRows.push(row);
        out(`| synthetic | ${row.call} | ${row.variant} | ${row.seconds.toFixed(0)} s | ${row.found}/${row.truth} | ${pct(row.timeAccuracy)} | ${pct(row.der)} | – | ${row.diarizeSeconds.toFixed(1)} s |`);
      }
    }
    out();
    out("**Diarization, summary** (time accuracy and DER weighted by call length; speed = diarization seconds per audio second, VAD cached):");
    out();
    out("| set | variant | calls | count right | time on right speaker (mean / worst call) | DER | back-channels right | split off | speed |");
    out("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    const groups = new Map<string, CallRow[]>();
    for (const r of allRows) groups.set(`${r.set}|${r.variant}`, [...(groups.get(`${r.set}|${r.variant}`) ?? []), r]);
    for (const [key, rows] of groups) {
      const [set, variant] = key.split("|");
      const s = summarise(rows);
      out(`| ${set} | ${variant} | ${s.calls} | ${s.countRight}/${s.calls} | ${pct(s.timeAccuracy)} / ${pct(s.minTimeAccuracy)} | ${pct(s.der)} | ${s.backchannels ? `${s.backchannelsRight}/${s.backchannels}` : "–"} | ${s.backchannelSplits} | ${s.speed.toFixed(3)} |`);
    }
    out();
  }

  if (only !== "diarization" && full) {
    out(`**Voiceprint** (cosine of enrollment vs held-back test speech of the same clip, every reader pair; false accept / reject at the resolver's threshold ${VOICEPRINT_THRESHOLD}):`);
    out();
    out("| split | protocol | readers | EER (at score) | false accept | false reject | same voice (min / median) | different voices (median / max) |");
    out("|---|---|---:|---:|---:|---:|---:|---:|");
    for (const split of splits) {
      for (const protocol of [
        { testSeconds: 5, maxEnrollSeconds: 10, minEnrollSeconds: 6 },
        { testSeconds: 3, maxEnrollSeconds: 10, minEnrollSeconds: 10 },
      ]) {
        const f = await voiceprintFigures(clips, split, protocol);
        const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
        const t = sorted(f.targets), n = sorted(f.nonTargets);
        out(`| ${split} | ${f.protocol} | ${f.readers}${f.refused ? ` (+${f.refused} refused)` : ""} | ${pct(f.eer)} (${f.eerThreshold.toFixed(2)}) | ${pct(f.falseAccept)} | ${pct(f.falseReject)} | ${t[0]?.toFixed(2)} / ${t[Math.floor(t.length / 2)]?.toFixed(2)} | ${n[Math.floor(n.length / 2)]?.toFixed(2)} / ${n.at(-1)?.toFixed(2)} |`);
      }
    }
    out();
    out("**Resolver on calls** (2-party calls of 40 s: the user speaks only audio never used at enrollment; every other profile of the half is tried on every call it is not in):");
    out();
    out("| split | calls with the user | right speaker named You | wrong speaker named You | trials without the user | wrong You | user's score (min / median) | score for ≤ 1 % wrong You here (right You there) |");
    out("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const split of splits) {
      const f = await resolverFigures(clips, split, quick ? 6 : 20, 40);
      const us = [...f.userScores].sort((a, b) => a - b);
      const best = [...f.bestWithoutUser].sort((a, b) => a - b);
      const at1pct = best[Math.min(best.length - 1, Math.ceil(best.length * 0.99))] ?? 1;
      const rightThere = f.userScores.filter((x) => x > at1pct).length / Math.max(1, f.callsWithUser);
      out(`| ${split} | ${f.callsWithUser} | ${pct(f.rightYou / Math.max(1, f.callsWithUser))} | ${f.wrongYouWithUser} | ${f.trialsWithoutUser} | ${pct(f.wrongYouWithoutUser / Math.max(1, f.trialsWithoutUser))} (${f.wrongYouWithoutUser}) | ${us[0]?.toFixed(2)} / ${us[Math.floor(us.length / 2)]?.toFixed(2)} | ${at1pct.toFixed(3)} (${pct(rightThere)}) |`);
    }
    out();
  }
  out(`Total bench time ${((performance.now() - started) / 1000).toFixed(0)} s.`);

  if (flag("--write-docs")) {
    const docs = path.resolve("docs/speech.md");
    const text = await readFile(docs, "utf8");
    const block = `<!-- speakers:start -->\n${lines.join("\n")}\n<!-- speakers:end -->`;
    const next = text.includes("<!-- speakers:start -->")
      ? text.replace(/<!-- speakers:start -->[\s\S]*<!-- speakers:end -->/, block)
      : `${text.trimEnd()}\n\n## Speakers on real voices: results\n\n${block}\n`;
    await writeFile(docs, next);
    console.log(`wrote ${path.relative(process.cwd(), docs)}`);
  }
}

await main();
