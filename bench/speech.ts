/**
 * `npm run bench:speech` — the local speech engine on the generated fixtures (scripts/make-speech-fixtures.ts):
 * per fixture WER, diarization accuracy, speaker count, real-time factor end to end (decode + VAD +
 * diarization ∥ transcription, as the pipeline runs them) and the peak memory of the engine (the Node process
 * plus its inference children, sampled from /proc every 25 ms).
 *
 *   npm run bench:speech                     # the bench set, prints a table
 *   npm run bench:speech -- --write-docs     # … and writes the results into docs/speech.md
 *   npm run bench:speech -- --calibrate      # voiceprint score distributions (same vs different voice)
 *   npm run bench:speech -- --serial         # also: one pocketsphinx pass without chunks, for the speedup
 *   npm run bench:speech -- --set test       # only the small test set
 *   npm run bench:speech -- --only t2f-mono-16k-mp3,t3m-mono-16k-ogg   # only these fixtures (any set)
 *
 * The set includes the festival fixtures (`t2f-…`, `t2m-…`, `b2f-…`, …): generating them needs Debian's
 * festival festvox-kallpc16k festvox-us-slt-hts.
 */
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { scoreDiarization, wordErrorRate } from "../lib/speech/eval";
import { createDiarizationProvider, createTranscriptionProvider, createVoiceprintProvider } from "../lib/speech/index";
import { LocalTranscriptionProvider } from "../lib/speech/local/transcribe";
import { cosine, parseEmbedding, VOICEPRINT_THRESHOLD, type LocalVoiceprintProvider } from "../lib/speech/local/voiceprint";
import { prepareAudio } from "../lib/speech/prepare";
import { fixtureSynth, makeSpeechFixtures, splitWordsBySynth, type SpeechFixture, type SynthEngine } from "../scripts/make-speech-fixtures";

const args = process.argv.slice(2);
const setIndex = args.indexOf("--set");
const SET: "test" | "bench" = setIndex >= 0 && args[setIndex + 1] === "test" ? "test" : "bench";
const WRITE_DOCS = args.includes("--write-docs");
const CALIBRATE = args.includes("--calibrate");
const SERIAL = args.includes("--serial");
const onlyIndex = args.indexOf("--only");
const ONLY = onlyIndex >= 0 ? (args[onlyIndex + 1] ?? "").split(",").filter(Boolean) : undefined;
if (ONLY && !ONLY.length) throw new Error("--only needs a comma-separated list of fixture names");
if (ONLY && WRITE_DOCS) throw new Error("--write-docs writes the whole table: run it without --only");
const ROOT = fileURLToPath(new URL("..", import.meta.url));

// --- memory of the process tree ------------------------------------------------------------------------------

async function treeRssKb(pid: number): Promise<number> {
  let total = 0;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    for (const task of await readdir(`/proc/${pid}/task`)) {
      const children = (await readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "")).trim();
      for (const child of children.split(/\s+/).filter(Boolean)) total += await treeRssKb(Number(child));
    }
  } catch {
    // the process ended while we looked
  }
  return total;
}

function memorySampler() {
  let peakTree = 0;
  let peakSelf = 0;
  let busy = false;
  const timer = setInterval(() => {
    peakSelf = Math.max(peakSelf, process.memoryUsage.rss());
    if (busy) return;
    busy = true;
    void treeRssKb(process.pid).then((kb) => {
      peakTree = Math.max(peakTree, kb * 1024);
      busy = false;
    });
  }, 25);
  return {
    stop() {
      clearInterval(timer);
      return { peakTreeMb: peakTree / 2 ** 20, peakSelfMb: peakSelf / 2 ** 20 };
    },
  };
}

// --- one fixture ------------------------------------------------------------------------------------------------

interface Row {
  name: string;
  description: string;
  seconds: number;
  layout: string;
  /** Synthesiser of the voices: espeak-ng, festival or mixed. */
  synth: SynthEngine | "mixed";
  refSpeakers: number;
  hypSpeakers: number;
  segmentAccuracy: number;
  timeAccuracy: number;
  wer: number;
  /** Mixed calls: WER of the turns of each synthesiser (hypothesis words assigned to turns by time). */
  werBySynth?: Partial<Record<SynthEngine, number>>;
  prepareMs: number;
  diarizeMs: number;
  transcribeMs: number;
  totalMs: number;
  rtf: number;
  peakTreeMb: number;
  peakSelfMb: number;
  serialTranscribeMs?: number;
}

async function benchFixture(f: SpeechFixture, work: string): Promise<Row> {
  const diarizer = createDiarizationProvider();
  const transcriber = createTranscriptionProvider();
  const sampler = memorySampler();
  const t0 = performance.now();
  const audio = await prepareAudio(f.audioPath, path.join(work, f.name));
  const t1 = performance.now();
  let diarizeMs = 0;
  let transcribeMs = 0;
  const [diarization, transcript] = await Promise.all([
    diarizer.diarize(audio).then((r) => ((diarizeMs = performance.now() - t1), r)),
    transcriber.transcribe(audio).then((r) => ((transcribeMs = performance.now() - t1), r)),
  ]);
  const t2 = performance.now();
  const memory = sampler.stop();
  const score = scoreDiarization(f.truth.turns, diarization.segments);
  const row: Row = {
    name: f.name,
    description: f.truth.description,
    seconds: audio.durationSeconds,
    layout: audio.layout,
    synth: fixtureSynth(f.truth),
    refSpeakers: f.truth.speakers.length,
    hypSpeakers: diarization.speakers.length,
    segmentAccuracy: score.segmentAccuracy,
    timeAccuracy: score.timeAccuracy,
    wer: wordErrorRate(f.truth.words, transcript.words.map((w) => w.text)),
    prepareMs: t1 - t0,
    diarizeMs,
    transcribeMs,
    totalMs: t2 - t0,
    rtf: (t2 - t0) / 1000 / audio.durationSeconds,
    ...memory,
  };
  if (row.synth === "mixed") {
    const split = splitWordsBySynth(f.truth, transcript.words);
    row.werBySynth = Object.fromEntries(Object.entries(split).map(([engine, w]) => [engine, wordErrorRate(w.reference, w.hypothesis)]));
  }
  if (SERIAL) {
    const s0 = performance.now();
    await new LocalTranscriptionProvider({ chunking: false, parallelism: 1 }).transcribe(audio);
    row.serialTranscribeMs = performance.now() - s0;
  }
  return row;
}

// --- voiceprint calibration -------------------------------------------------------------------------------------

async function calibrate(fixtures: SpeechFixture[], work: string): Promise<string[]> {
  const vp = createVoiceprintProvider() as LocalVoiceprintProvider;
  const diarizer = createDiarizationProvider();
  const profiles: Record<string, number[]> = {};
  for (const f of fixtures.filter((x) => x.name.startsWith("enroll-"))) {
    const audio = await prepareAudio(f.audioPath, path.join(work, f.name));
    profiles[f.truth.speakers[0]!.id] = parseEmbedding((await vp.enroll(audio)).embedding)!;
  }
  const lines: string[] = [];
  const same: number[] = [];
  const different: number[] = [];
  for (const f of fixtures.filter((x) => !x.name.startsWith("enroll-"))) {
    const audio = await prepareAudio(f.audioPath, path.join(work, f.name));
    const diarization = await diarizer.diarize(audio);
    const { mapping } = scoreDiarization(f.truth.turns, diarization.segments);
    const cells: string[] = [];
    for (const speaker of diarization.speakers) {
      const wav = audio.distinctChannels ? audio.channelWavPaths[speaker.id === "S1" ? 0 : 1]! : audio.wavPath;
      const e = await vp.embed(wav, diarization.segments.filter((s) => s.speaker === speaker.id));
      const voice = mapping[speaker.id] ?? "?";
      const scores = Object.entries(profiles).map(([id, p]) => {
        const score = cosine(e.vector, p);
        if (f.truth.sampleRate === 16000) (id === voice ? same : different).push(score);
        return `${id === voice ? "**" : ""}${id} ${score.toFixed(2)}${id === voice ? "**" : ""}`;
      });
      cells.push(`${voice}: ${scores.join(", ")}`);
    }
    lines.push(`| ${f.name} | ${cells.join(" · ")} |`);
  }
  const minSame = Math.min(...same);
  const maxDiff = Math.max(...different);
  return [
    "| call | diarized voice: cosine to each enrolled sample (own voice in bold) |",
    "|---|---|",
    ...lines,
    "",
    `16 kHz calls: same voice ${minSame.toFixed(2)}–${Math.max(...same).toFixed(2)} (n=${same.length}), ` +
      `different voices ${Math.min(...different).toFixed(2)}–${maxDiff.toFixed(2)} (n=${different.length}); ` +
      `midpoint ${((minSame + maxDiff) / 2).toFixed(2)}; threshold in use ${VOICEPRINT_THRESHOLD}.`,
  ];
}

// --- main ---------------------------------------------------------------------------------------------------

const fmt = (x: number, d = 2) => x.toFixed(d);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

const fixtures = await makeSpeechFixtures({ set: SET, names: ONLY, log: (l) => console.log(l) });
const work = await mkdtemp(path.join(os.tmpdir(), "scryon-bench-speech-"));
const cores = os.availableParallelism();
const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
console.log(`${fixtures.length} fixtures, ${cores} cores, load average ${load}`);

const rows: Row[] = [];
try {
  for (const f of fixtures) {
    const row = await benchFixture(f, work);
    rows.push(row);
    console.log(
      `${row.name.padEnd(24)} ${fmt(row.seconds, 1).padStart(6)} s  WER ${fmt(row.wer)}  seg ${fmt(row.segmentAccuracy)}  ` +
        `spk ${row.hypSpeakers}/${row.refSpeakers}  RTF ${fmt(row.rtf, 3)}  peak ${fmt(row.peakTreeMb, 0)} MB`,
    );
  }

  const calls = rows.filter((r) => !r.name.startsWith("enroll-"));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const totalAudio = sum(rows.map((r) => r.seconds));
  const totalWall = sum(rows.map((r) => r.totalMs)) / 1000;
  const twoSpeaker = calls.filter((r) => r.refSpeakers === 2);
  const twoSpeakerMono = twoSpeaker.filter((r) => r.layout !== "stereo-split");
  const wide = calls.filter((r) => !r.name.includes("8k"));
  const weighted = (rs: Row[], key: "wer" | "segmentAccuracy") => sum(rs.map((r) => r[key] * r.seconds)) / sum(rs.map((r) => r.seconds));
  const overallRtf = totalWall / totalAudio;
  const seg2 = sum(twoSpeaker.map((r) => r.segmentAccuracy)) / twoSpeaker.length;
  const seg2mono = twoSpeakerMono.length ? sum(twoSpeakerMono.map((r) => r.segmentAccuracy)) / twoSpeakerMono.length : NaN;
  const countRight = calls.filter((r) => r.hypSpeakers === r.refSpeakers).length;
  const peakTree = Math.max(...rows.map((r) => r.peakTreeMb));
  const peakSelf = Math.max(...rows.map((r) => r.peakSelfMb));

  const table = [
    "| fixture | audio | layout | voices | speakers (found/true) | segment acc. | time acc. | WER | prepare | diarize | transcribe | RTF | peak RSS (tree / node) |",
    "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.name} | ${fmt(r.seconds, 1)} s | ${r.layout} | ${r.synth} | ${r.hypSpeakers}/${r.refSpeakers} | ${pct(r.segmentAccuracy)} | ${pct(r.timeAccuracy)} | ` +
        `${fmt(r.wer, 3)} | ${fmt(r.prepareMs / 1000)} s | ${fmt(r.diarizeMs / 1000)} s | ${fmt(r.transcribeMs / 1000)} s | ${fmt(r.rtf, 3)} | ` +
        `${fmt(r.peakTreeMb, 0)} / ${fmt(r.peakSelfMb, 0)} MB |`,
    ),
  ];
  const summary = [
    `- Real-time factor end to end, all fixtures: **${fmt(overallRtf, 3)}** (${fmt(totalWall, 1)} s for ${fmt(totalAudio, 1)} s of audio) — goal ≤ 0.15, ratio measured/goal ${fmt(overallRtf / 0.15)}.`,
    `- Segment-level speaker accuracy, two-speaker calls: **${pct(seg2)}** mean (mono only: ${pct(seg2mono)}) — goal ≥ 95 %, ratio ${fmt(seg2 / 0.95)}.`,
    `- Speaker count right on ${countRight} of ${calls.length} calls; voice samples found as one speaker: ${rows.filter((r) => r.name.startsWith("enroll-") && r.hypSpeakers === 1).length} of ${rows.filter((r) => r.name.startsWith("enroll-")).length}.`,
    `- WER (time-weighted): 16 kHz calls **${fmt(weighted(wide, "wer"), 3)}**, 8 kHz phone-band calls ${fmt(weighted(calls.filter((r) => r.name.includes("8k")), "wer"), 3)}.`,
    `- Peak memory: ${fmt(peakTree, 0)} MB for the Node process and its pocketsphinx/VAD children together; Node alone ${fmt(peakSelf, 0)} MB.`,
  ];
  const espeakCalls = calls.filter((r) => r.synth === "espeak-ng");
  const festivalCalls = calls.filter((r) => r.synth !== "espeak-ng");
  if (espeakCalls.length && festivalCalls.length) {
    const describe = (rs: Row[]) => {
      const w16 = rs.filter((r) => !r.name.includes("8k"));
      const w8 = rs.filter((r) => r.name.includes("8k"));
      return (
        `WER 16 kHz ${w16.length ? fmt(weighted(w16, "wer"), 3) : "–"}, 8 kHz ${w8.length ? fmt(weighted(w8, "wer"), 3) : "–"}; ` +
        `segment accuracy ${pct(sum(rs.map((r) => r.segmentAccuracy)) / rs.length)} mean; speaker count right on ${rs.filter((r) => r.hypSpeakers === r.refSpeakers).length} of ${rs.length}; ` +
        `RTF ${fmt(sum(rs.map((r) => r.totalMs)) / 1000 / sum(rs.map((r) => r.seconds)), 3)}`
      );
    };
    summary.push(`- espeak-ng-only calls: ${describe(espeakCalls)}. Calls with festival voices (festival-only and mixed): ${describe(festivalCalls)}.`);
  }
  const mixed = rows.filter((r) => r.werBySynth);
  if (mixed.length) {
    const cells = mixed.map((r) => {
      const bySynth = Object.entries(r.werBySynth!).sort(([a], [b]) => b.localeCompare(a)); // festival first
      return `${r.name} ${bySynth.map(([engine, wer]) => `${engine} ${fmt(wer, 3)}`).join(" / ")}`;
    });
    summary.push(`- WER by synthesiser inside the mixed calls (hypothesis words assigned to turns by time, so approximate): ${cells.join("; ")}.`);
  }
  const serialRows = rows.filter((r) => r.serialTranscribeMs !== undefined);
  if (serialRows.length) {
    const chunked = sum(serialRows.map((r) => r.transcribeMs));
    const serial = sum(serialRows.map((r) => r.serialTranscribeMs!));
    summary.push(`- Transcription, chunks on ${cores} cores vs one pocketsphinx pass: ${fmt(chunked / 1000, 1)} s vs ${fmt(serial / 1000, 1)} s (speedup ×${fmt(serial / chunked)}; includes the VAD when chunked).`);
  }

  console.log(`\n${table.join("\n")}\n\n${summary.join("\n")}`);

  let calibration: string[] = [];
  if (CALIBRATE) {
    calibration = await calibrate(await makeSpeechFixtures({ set: "all" }), work);
    console.log(`\n${calibration.join("\n")}`);
  }

  if (WRITE_DOCS) {
    const docs = path.join(ROOT, "docs", "speech.md");
    const text = await readFile(docs, "utf8");
    const command = `npm run bench:speech -- ${args.join(" ")}`.trim();
    const block = [
      "<!-- bench:start -->",
      `Measured ${new Date().toISOString().slice(0, 10)} with \`${command}\` on ${cores} cores (${os.cpus()[0]?.model.trim() ?? "unknown CPU"}), load average at start ${load} (the machine is shared: wall times vary by ±30 % between runs).`,
      "",
      ...table,
      "",
      ...summary,
      ...(calibration.length ? ["", "Voiceprint calibration (`--calibrate`):", "", ...calibration] : []),
      "<!-- bench:end -->",
    ].join("\n");
    const next = text.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, block);
    if (next === text && !text.includes(block)) throw new Error("docs/speech.md has no <!-- bench:start --> … <!-- bench:end --> block");
    await writeFile(docs, next);
    console.log(`\nwrote ${path.relative(process.cwd(), docs)}`);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
