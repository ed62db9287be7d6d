/**
 * How the diarization thresholds were chosen: on the TUNING readers' calls only (never the held-out half),
 * the speaker count and the speech time on the right speaker for each candidate cut of the clustering tree.
 *
 *   npx tsx scripts/speech-corpus/tune-thresholds.ts                       # 16 kHz and phone-band calls
 *   THRESHOLDS=0.6,0.65,0.7 VARIANTS=phone-8k-ulaw npx tsx scripts/speech-corpus/tune-thresholds.ts
 *
 * The windows (VAD, features, projection) are computed once per call; only the clustering is repeated. Phone-
 * band calls are projected with the narrowband model, as the diarizer does. SINGLE=1 adds twelve calls of one
 * reader alone (must stay one speaker), SYNTHETIC=1 the synthetic fixtures. Needs ../shared (the readers).
 * THRESHOLDS sweeps the plain cut only: calls whose windows are spread out take the offset-shrunk path with
 * its own cut (`DIARIZATION_SETTINGS.offsetThreshold`; chosen with explore-shrink.ts).
 */
import path from "node:path";
import { scoreDiarization, type ReferenceTurn } from "@/lib/speech/eval";
import { resolveLocalConfig } from "@/lib/speech/local/config";
import { analyseWindows, labelWindows, type Window } from "@/lib/speech/local/diarize";
import { makeSpeechFixtures } from "../make-speech-fixtures";
import { isNarrowband, NARROWBAND_SPEAKER_MODEL, SPEAKER_MODEL } from "@/lib/speech/local/speaker-model";
import { speechRegions } from "@/lib/speech/local/vad";
import { prepareAudio } from "@/lib/speech/prepare";
import { stitchConversation, writeConversation, type Variant } from "./conversations";
import { corpusDir, loadClips, SHARED_DIR } from "./real-voices";
import { conversationSets } from "./sets";

const WORK = path.resolve(".data/bench/speakers");
const variants = (process.env.VARIANTS ?? "mono-16k,phone-8k-ulaw").split(",") as Variant[];
const thresholds = (process.env.THRESHOLDS ?? "0.55,0.6,0.65,0.7,0.75,0.8").split(",").map(Number);

if (corpusDir() !== SHARED_DIR) {
  console.error(`Tuning needs the full reader set at ${SHARED_DIR}.`);
  process.exit(2);
}
const clips = await loadClips(SHARED_DIR);
const calls: { name: string; variant: Variant; windows: Window[]; turns: ReferenceTurn[]; seconds: number }[] = [];
for (const set of conversationSets(clips, "tuning")) {
  for (const variant of variants.filter((v) => v === "mono-16k" || (v === "phone-8k-ulaw" && set.speakers === 2))) {
    for (const conversation of set.conversations) {
      const file = await writeConversation(conversation, variant, path.join(WORK, "audio"));
      const audio = await prepareAudio(file, path.join(WORK, "work", `${conversation.name}.${variant}`));
      const regions = await speechRegions(audio, resolveLocalConfig({}));
      const model = isNarrowband(audio.sourceSampleRate) ? NARROWBAND_SPEAKER_MODEL : SPEAKER_MODEL;
      calls.push({ name: conversation.name, variant, windows: await analyseWindows(audio.wavPath, regions.mono, model), turns: conversation.turns, seconds: conversation.durationSeconds });
    }
  }
}
if (process.env.SINGLE) {
  // One reader alone (a voice memo, an enrollment sample): must stay one speaker.
  const alone = clips.filter((c) => c.split === "tuning").slice(0, 12);
  for (const [n, clip] of alone.entries()) {
    const conversation = stitchConversation({ name: `tuning-1p-${n}`, readers: [clip], seconds: 40, seed: 300 + n });
    const file = await writeConversation(conversation, "mono-16k", path.join(WORK, "audio"));
    const audio = await prepareAudio(file, path.join(WORK, "work", `${conversation.name}.mono-16k`));
    const regions = await speechRegions(audio, resolveLocalConfig({}));
    calls.push({ name: conversation.name, variant: "single" as Variant, windows: await analyseWindows(audio.wavPath, regions.mono), turns: conversation.turns, seconds: conversation.durationSeconds });
  }
  variants.push("single" as Variant);
}
if (process.env.SYNTHETIC) {
  for (const f of (await makeSpeechFixtures({ set: "all" })).filter((x) => !x.name.startsWith("enroll"))) {
    const audio = await prepareAudio(f.audioPath, path.join(WORK, "work", `synthetic-${f.name}`));
    if (audio.distinctChannels) continue;
    const regions = await speechRegions(audio, resolveLocalConfig({}));
    const model = isNarrowband(audio.sourceSampleRate) ? NARROWBAND_SPEAKER_MODEL : SPEAKER_MODEL;
    calls.push({ name: f.name, variant: "synthetic" as Variant, windows: await analyseWindows(audio.wavPath, regions.mono, model), turns: f.truth.turns, seconds: audio.durationSeconds });
  }
  variants.push("synthetic" as Variant);
}
for (const variant of variants) {
  const group = calls.filter((c) => c.variant === variant);
  if (group.length === 0) continue;
  for (const threshold of thresholds) {
    let countRight = 0;
    let correct = 0;
    let total = 0;
    const wrong: string[] = [];
    for (const call of group) {
      const labels = labelWindows(call.windows, { maxK: 4, threshold });
      const segments = call.windows.map((w, i) => ({ speaker: `S${labels[i]}`, start: w.start, end: w.end }));
      const found = new Set(labels).size;
      const truth = new Set(call.turns.map((t) => t.speaker)).size;
      if (found === truth) countRight++;
      else wrong.push(`${call.name} ${found}/${truth}`);
      correct += scoreDiarization(call.turns, segments).timeAccuracy * call.seconds;
      total += call.seconds;
    }
    console.log(`${variant} threshold ${threshold}: count right ${countRight}/${group.length}, time on the right speaker ${((100 * correct) / total).toFixed(1)} %${wrong.length ? `; wrong: ${wrong.join(", ")}` : ""}`);
  }
}
