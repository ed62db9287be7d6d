/**
 * Generates test calls for the speech engine, with their ground truth, from espeak-ng and festival voices:
 *
 *   npx tsx scripts/make-speech-fixtures.ts            # the small test set
 *   npx tsx scripts/make-speech-fixtures.ts bench      # the benchmark set (includes the test set)
 *   npx tsx scripts/make-speech-fixtures.ts --list     # names and descriptions
 *
 * Each fixture is `<name>.<ext>` plus `<name>.json` (the truth: speakers, turns with start/end and words)
 * in `.data/fixtures/speech/` (gitignored). Generation is deterministic (seeded gaps and noise, bit-exact
 * ffmpeg output) and cached: a fixture whose JSON carries the same spec hash is not rebuilt. Tests call
 * `makeSpeechFixtures({ names: [...] })` instead of committing audio.
 *
 * How a call is built: every turn is rendered alone by espeak-ng or festival (`text2wave`), resampled to
 * 16 kHz and trimmed to its first/last audible sample; turns are laid out one after another with seeded
 * pauses (so turn times are exact: the sum of the rendered durations and the inserted silences), a seeded
 * noise floor is added
 * (≈ -45 dBFS, a quiet line; pocketsphinx also does much worse on digitally silent synthetic audio), and the
 * mix is encoded with ffmpeg. Stereo calls put each party on their own channel with an echo of the other
 * party 28 dB down; "duplicated" stereo carries the same mono mix on both channels; 8 kHz calls are
 * band-limited to 300–3400 Hz like a phone line.
 *
 * Voices: the Klatt variants of espeak-ng's en-us voice are the ones pocketsphinx understands best (5–20 %
 * WER vs. 30–55 % for the default voices, measured when this was written); the "plain" fixtures use the
 * default voices on purpose as a harder case. The festival voices (Debian: festival festvox-kallpc16k
 * festvox-us-slt-hts) are a different synthesiser altogether — a diphone concatenation voice (kal, male) and
 * an HMM/HTS voice (slt, female) — so the engine is not only ever tuned against espeak-ng's formant
 * synthesis. Fixtures that use no festival voice never run or need festival.
 *
 * How precise the ground truth is (both synthesisers alike): the truth has turn times, not word times — each
 * turn's words are listed in order, and the turn's start/end are the first/last sample of the rendered turn
 * above the trim threshold (|x| ≥ 0.005, ≈ −46 dBFS), exact to one 16 kHz sample in the master mix. A very
 * soft onset or release under that threshold (a breathy /h/, a trailing fricative) falls outside the turn,
 * so a turn's audible edges can be off by a few tens of ms; lossy codecs shift or smear edges by a few more
 * ms. Pauses inside a turn (festival and espeak-ng both pause at commas and full stops) belong to the turn.
 * Festival's own segment timings are not used: they would be per word, but the trimmed and resampled audio
 * is what the times must describe, and the format keeps one precision for every fixture.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { fileUrl, runFfmpeg } from "../lib/audio/ffmpeg";
import { encodeWav } from "../lib/speech/wav";

const exec = promisify(execFile);

export const GENERATOR_VERSION = 1;
export const DEFAULT_FIXTURE_DIR = path.join(fileURLToPath(new URL("..", import.meta.url)), ".data", "fixtures", "speech");

export type FixtureFormat = "wav" | "mp3" | "m4a" | "webm" | "ogg";
export type FixtureLayout = "mono" | "stereo-split" | "stereo-duplicated";
export type FixtureSet = "test" | "bench";

export interface EspeakVoice {
  /** Absent (the first voices had no engine field; keeping it absent keeps their spec hashes) or "espeak-ng". */
  engine?: "espeak-ng";
  /** espeak-ng voice (`-v`). */
  voice: string;
  /** espeak-ng pitch 0..99 (`-p`). */
  pitch: number;
  /** words per minute (`-s`). */
  speed: number;
  /** Linear gain applied to the rendered turn. */
  gain: number;
}

export interface FestivalVoice {
  engine: "festival";
  /** Festival voice, selected with `(voice_<name>)`, e.g. "kal_diphone", "cmu_us_slt_arctic_hts". */
  voice: string;
  /** `Duration_Stretch` (1 = the voice's own rate, larger is slower). Diphone voices only: HTS voices ignore it. */
  durationStretch?: number;
  /** Linear gain applied to the rendered turn. */
  gain: number;
}

export type Voice = EspeakVoice | FestivalVoice;

/** Debian packages that festival fixtures need (CI installs them: .ci/run). */
export const FESTIVAL_PACKAGES = "festival festvox-kallpc16k festvox-us-slt-hts";

export const VOICES = {
  A: { voice: "en-us+klatt", pitch: 30, speed: 165, gain: 1.0 },
  B: { voice: "en-us+klatt2", pitch: 75, speed: 160, gain: 0.8 },
  C: { voice: "en-us+klatt5", pitch: 50, speed: 175, gain: 0.9 },
  // The default (non-Klatt) voices suggested for contrast; much harder for pocketsphinx.
  P: { voice: "en-us", pitch: 30, speed: 165, gain: 1.0 },
  Q: { voice: "en-gb+f3", pitch: 70, speed: 160, gain: 0.8 },
  // festival: K = kal (US male, diphone, 16 kHz; its own default stretch is 1.1), S = slt (US female, HTS, 32 kHz).
  K: { engine: "festival", voice: "kal_diphone", durationStretch: 1.0, gain: 1.0 },
  S: { engine: "festival", voice: "cmu_us_slt_arctic_hts", gain: 1.0 },
  // espeak-ng's female variant f3 on en-us (no Klatt variant is female), the counterpart of the festival male.
  F: { voice: "en-us+f3", pitch: 60, speed: 160, gain: 0.9 },
} satisfies Record<string, Voice>;
export type VoiceId = keyof typeof VOICES;

type Line = [speaker: "1" | "2" | "3", text: string];

const DIALOGUES: Record<string, Line[]> = {
  renewal: [
    ["1", "Good morning, this is Alex from the support team. Do you have a few minutes to talk about the renewal?"],
    ["2", "Yes, of course. I was hoping you would call this week."],
    ["1", "Great. The current contract ends on the last day of the month, so we need to decide soon."],
    ["2", "Right. Can you send me the new price list before Friday?"],
    ["1", "Sure, I will send it tomorrow morning."],
    ["2", "Okay."],
    ["1", "I will also include the numbers for the second year, so your manager can review them."],
    ["2", "That would help a lot. She wants to see the total cost for the whole team."],
    ["1", "Understood. Should I book a meeting with both of you next week?"],
    ["2", "Yes, please. Tuesday afternoon works best for us."],
  ],
  delivery: [
    ["1", "Hello, I am calling about the delivery that was supposed to arrive yesterday."],
    ["2", "I am sorry about that. Let me check the order for you."],
    ["1", "Thank you. The order number is four five seven two."],
    ["2", "I see it now. The truck was delayed because of the weather."],
    ["1", "When can we expect it then?"],
    ["2", "It should be there on Thursday before noon."],
    ["1", "All right."],
    ["2", "I will call you again on Wednesday to confirm the time."],
    ["1", "Please do. We need the parts for a project that starts next Monday."],
    ["2", "Understood. I will make sure it is on the first truck."],
  ],
  planning: [
    ["1", "Thanks for joining, everyone. Let us go through the plan for the launch."],
    ["2", "I finished the design review last night. There are only two open questions."],
    ["3", "Good. I can answer the questions about the budget today."],
    ["1", "Perfect. Who is going to write the announcement?"],
    ["2", "I will write the first draft and share it by Thursday."],
    ["3", "Yes."],
    ["3", "I will ask the sales team to review the draft before we send it."],
    ["1", "Then we should meet again on Monday to agree on the final version."],
    ["2", "Monday morning is fine for me."],
    ["3", "For me too. I will send the invitation after this call."],
  ],
  hiring: [
    ["1", "Hi, thanks for calling back. I wanted to talk about the open position on my team."],
    ["2", "Sure. I read the job description, and I have a few people in mind."],
    ["1", "That is great news. How soon could they start?"],
    ["2", "Two of them could start in about three weeks."],
    ["1", "Could you send me their details by the end of the day?"],
    ["2", "Yes, I will do that this afternoon."],
    ["1", "Thank you."],
    ["2", "Should I also set up the first interviews for next week?"],
    ["1", "Please do. Wednesday and Friday are both open for me."],
    ["2", "Perfect. I will confirm the times by email."],
  ],
  review: [
    ["1", "Let us start with the numbers from last quarter."],
    ["2", "Sales grew by ten percent, which is better than we planned."],
    ["3", "The support team closed more tickets than ever before."],
    ["1", "Good work. What should we change for the next quarter?"],
    ["3", "We need one more person on the support team."],
    ["2", "And I would like to visit the three largest customers in person."],
    ["1", "Okay."],
    ["1", "Please write a short plan for the visits and send it to me by Monday."],
    ["3", "I will prepare the request for the new position this week."],
    ["2", "I will check the travel budget with finance tomorrow."],
  ],
};

const MONOLOGUE =
  "Hello, this is my voice sample for the call assistant. I usually talk about projects, deadlines and the " +
  "next steps with my customers. Please remember how I sound so my action items are assigned to me.";

export interface FixtureSpec {
  name: string;
  description: string;
  sets: FixtureSet[];
  /** Dialogues laid out one after another (speaker "1" → voices[0], …), or a monologue. */
  dialogues: string[] | "monologue";
  voices: VoiceId[];
  layout: FixtureLayout;
  sampleRate: 16000 | 8000;
  format: FixtureFormat;
  seed: number;
}

export const FIXTURE_SPECS: FixtureSpec[] = [
  // --- test set (small; the vitest suite uses these) ---
  { name: "t2-mono-16k-wav", description: "2 speakers, mono, 16 kHz, WAV", sets: ["test", "bench"], dialogues: ["renewal"], voices: ["A", "B"], layout: "mono", sampleRate: 16000, format: "wav", seed: 1 },
  { name: "t2-stereo-16k-m4a", description: "2 speakers, per-side stereo (echo -28 dB), 16 kHz, AAC/M4A", sets: ["test", "bench"], dialogues: ["delivery"], voices: ["A", "B"], layout: "stereo-split", sampleRate: 16000, format: "m4a", seed: 2 },
  { name: "t2-dupstereo-16k-mp3", description: "2 speakers, the same mono mix on both channels, 16 kHz, MP3", sets: ["test", "bench"], dialogues: ["hiring"], voices: ["B", "C"], layout: "stereo-duplicated", sampleRate: 16000, format: "mp3", seed: 3 },
  { name: "t3-mono-16k-ogg", description: "3 speakers, mono, 16 kHz, Vorbis/Ogg", sets: ["test", "bench"], dialogues: ["planning"], voices: ["A", "B", "C"], layout: "mono", sampleRate: 16000, format: "ogg", seed: 4 },
  { name: "enroll-A-webm", description: "voice sample, speaker A alone, Opus/WebM like MediaRecorder", sets: ["test", "bench"], dialogues: "monologue", voices: ["A"], layout: "mono", sampleRate: 16000, format: "webm", seed: 5 },
  { name: "enroll-B-webm", description: "voice sample, speaker B alone, Opus/WebM", sets: ["test", "bench"], dialogues: "monologue", voices: ["B"], layout: "mono", sampleRate: 16000, format: "webm", seed: 6 },
  { name: "enroll-C-webm", description: "voice sample, speaker C alone, Opus/WebM", sets: ["bench"], dialogues: "monologue", voices: ["C"], layout: "mono", sampleRate: 16000, format: "webm", seed: 7 },
  // --- bench set ---
  { name: "b2-mono-16k-long-mp3", description: "2 speakers, mono, 16 kHz, MP3, three dialogues (~2.5 min)", sets: ["bench"], dialogues: ["renewal", "delivery", "hiring"], voices: ["A", "C"], layout: "mono", sampleRate: 16000, format: "mp3", seed: 11 },
  { name: "b2-mono-16k-webm", description: "2 speakers, mono, 16 kHz, Opus/WebM", sets: ["bench"], dialogues: ["hiring"], voices: ["B", "A"], layout: "mono", sampleRate: 16000, format: "webm", seed: 12 },
  { name: "b2-mono-8k-wav", description: "2 speakers, mono, 8 kHz phone band, WAV", sets: ["bench"], dialogues: ["delivery"], voices: ["A", "B"], layout: "mono", sampleRate: 8000, format: "wav", seed: 13 },
  { name: "b2-stereo-8k-mp3", description: "2 speakers, per-side stereo, 8 kHz phone band, MP3", sets: ["bench"], dialogues: ["renewal"], voices: ["C", "A"], layout: "stereo-split", sampleRate: 8000, format: "mp3", seed: 14 },
  { name: "b2-mono-16k-plain-wav", description: "2 speakers, default espeak voices (en-us p30 / en-gb+f3 p70), mono, 16 kHz", sets: ["bench"], dialogues: ["renewal"], voices: ["P", "Q"], layout: "mono", sampleRate: 16000, format: "wav", seed: 15 },
  { name: "b3-mono-16k-m4a", description: "3 speakers, mono, 16 kHz, AAC/M4A, two meetings (~1.5 min)", sets: ["bench"], dialogues: ["planning", "review"], voices: ["C", "A", "B"], layout: "mono", sampleRate: 16000, format: "m4a", seed: 16 },
  // --- festival voices, alone and mixed with espeak-ng (test set: the three t*f/t*m; tests/speech/festival.test.ts) ---
  { name: "t2f-mono-16k-mp3", description: "2 speakers, festival only (kal male / slt female), mono, 16 kHz, MP3", sets: ["test", "bench"], dialogues: ["delivery"], voices: ["K", "S"], layout: "mono", sampleRate: 16000, format: "mp3", seed: 21 },
  { name: "t2m-mono-16k-webm", description: "2 speakers, festival kal (male) / espeak-ng en-us+f3 (female), mono, 16 kHz, Opus/WebM", sets: ["test", "bench"], dialogues: ["hiring"], voices: ["K", "F"], layout: "mono", sampleRate: 16000, format: "webm", seed: 22 },
  { name: "t3m-mono-16k-ogg", description: "3 speakers, festival slt + kal and espeak-ng A (Klatt male), mono, 16 kHz, Vorbis/Ogg", sets: ["test", "bench"], dialogues: ["planning"], voices: ["S", "K", "A"], layout: "mono", sampleRate: 16000, format: "ogg", seed: 23 },
  { name: "b2f-stereo-8k-mp3", description: "2 speakers, festival only (slt / kal), per-side stereo, 8 kHz phone band, MP3", sets: ["bench"], dialogues: ["renewal"], voices: ["S", "K"], layout: "stereo-split", sampleRate: 8000, format: "mp3", seed: 24 },
  { name: "b2m-stereo-16k-m4a", description: "2 speakers, espeak-ng A / festival slt, per-side stereo, 16 kHz, AAC/M4A", sets: ["bench"], dialogues: ["delivery"], voices: ["A", "S"], layout: "stereo-split", sampleRate: 16000, format: "m4a", seed: 25 },
  { name: "b2m-mono-8k-wav", description: "2 speakers, festival kal / espeak-ng en-us+f3, mono, 8 kHz phone band, WAV", sets: ["bench"], dialogues: ["renewal"], voices: ["K", "F"], layout: "mono", sampleRate: 8000, format: "wav", seed: 26 },
  { name: "b3m-mono-16k-m4a", description: "3 speakers, espeak-ng B / festival kal + slt, mono, 16 kHz, AAC/M4A, two meetings (~1.5 min)", sets: ["bench"], dialogues: ["planning", "review"], voices: ["B", "K", "S"], layout: "mono", sampleRate: 16000, format: "m4a", seed: 29 },
  { name: "enroll-K-webm", description: "voice sample, festival kal alone, Opus/WebM", sets: ["bench"], dialogues: "monologue", voices: ["K"], layout: "mono", sampleRate: 16000, format: "webm", seed: 27 },
  { name: "enroll-S-webm", description: "voice sample, festival slt alone, Opus/WebM", sets: ["bench"], dialogues: "monologue", voices: ["S"], layout: "mono", sampleRate: 16000, format: "webm", seed: 28 },
];

// --- ground truth --------------------------------------------------------------------------------------------

export interface TruthTurn {
  /** Speaker id ("A", "B", …: the voice). */
  speaker: string;
  start: number;
  end: number;
  text: string;
  words: string[];
}

export interface FixtureTruth {
  version: number;
  name: string;
  description: string;
  specHash: string;
  audioFile: string;
  format: FixtureFormat;
  sampleRate: number;
  layout: FixtureLayout;
  channels: number;
  durationSeconds: number;
  speakers: { id: string; voice: Voice; channel: number | null }[];
  turns: TruthTurn[];
  /** All words in order (lower case, punctuation removed). */
  words: string[];
}

export interface SpeechFixture {
  name: string;
  audioPath: string;
  truthPath: string;
  truth: FixtureTruth;
}

export interface MakeFixturesOptions {
  set?: FixtureSet | "all";
  /** Only these fixtures (overrides `set`). */
  names?: string[];
  outDir?: string;
  log?: (line: string) => void;
}

export async function makeSpeechFixtures(options: MakeFixturesOptions = {}): Promise<SpeechFixture[]> {
  const outDir = path.resolve(options.outDir ?? DEFAULT_FIXTURE_DIR);
  const specs = options.names
    ? options.names.map((name) => {
        const spec = FIXTURE_SPECS.find((s) => s.name === name);
        if (!spec) throw new Error(`unknown speech fixture: ${name}`);
        return spec;
      })
    : FIXTURE_SPECS.filter((s) => options.set === "all" || s.sets.includes(options.set ?? "test"));
  await mkdir(path.join(outDir, ".cache"), { recursive: true });
  const engines: EngineVersions = {};
  if (specs.some((s) => specEngines(s).has("espeak-ng"))) engines.espeak = await espeakVersion();
  if (specs.some((s) => specEngines(s).has("festival"))) engines.festival = await festivalVersion();
  const out: SpeechFixture[] = [];
  for (const spec of specs) out.push(await makeFixture(spec, outDir, engines, options.log));
  return out;
}

interface EngineVersions {
  espeak?: string;
  festival?: string;
}

export type SynthEngine = "espeak-ng" | "festival";

export function voiceEngine(voice: Voice): SynthEngine {
  return voice.engine ?? "espeak-ng";
}

function specEngines(spec: FixtureSpec): Set<SynthEngine> {
  return new Set(spec.voices.map((v) => voiceEngine(VOICES[v])));
}

/** Which synthesisers a fixture's voices come from: "espeak-ng", "festival" or "mixed". */
export function fixtureSynth(truth: FixtureTruth): SynthEngine | "mixed" {
  const engines = new Set(truth.speakers.map((s) => voiceEngine(s.voice)));
  return engines.size === 1 ? [...engines][0]! : "mixed";
}

/**
 * Reference and hypothesis words of a call split by the synthesiser of the turn they belong to (per-synthesiser
 * WER in mixed calls). A hypothesis word goes to the turn its midpoint falls in, else to the nearest turn — so
 * this is approximate: a word inserted in a pause is charged to the nearer turn's synthesiser.
 */
export function splitWordsBySynth(
  truth: FixtureTruth,
  hypothesis: { text: string; start: number; end: number }[],
): Partial<Record<SynthEngine, { reference: string[]; hypothesis: string[] }>> {
  const engineOf = new Map(truth.speakers.map((s) => [s.id, voiceEngine(s.voice)]));
  const out: Partial<Record<SynthEngine, { reference: string[]; hypothesis: string[] }>> = {};
  const bucket = (engine: SynthEngine) => (out[engine] ??= { reference: [], hypothesis: [] });
  for (const turn of truth.turns) bucket(engineOf.get(turn.speaker)!).reference.push(...turn.words);
  for (const word of hypothesis) {
    const mid = (word.start + word.end) / 2;
    let best = truth.turns[0];
    let bestDistance = Infinity;
    for (const turn of truth.turns) {
      const distance = mid < turn.start ? turn.start - mid : mid > turn.end ? mid - turn.end : 0;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = turn;
      }
    }
    if (best) bucket(engineOf.get(best.speaker)!).hypothesis.push(word.text);
  }
  return out;
}

export function normalizeWords(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, " ")
    .split(/\s+/)
    .filter(Boolean);
}

async function makeFixture(spec: FixtureSpec, outDir: string, engines: EngineVersions, log?: (line: string) => void): Promise<SpeechFixture> {
  // Only the versions of the engines a fixture uses go into its hash (an espeak-only fixture's hash is what it
  // was before festival voices existed, so its cached audio stays valid).
  const used = specEngines(spec);
  const specHash = sha1(
    JSON.stringify({
      GENERATOR_VERSION,
      ...(used.has("espeak-ng") ? { espeak: engines.espeak } : {}),
      ...(used.has("festival") ? { festival: engines.festival } : {}),
      spec,
      voices: spec.voices.map((v) => VOICES[v]),
    }),
  ).slice(0, 16);
  const audioPath = path.join(outDir, `${spec.name}.${spec.format}`);
  const truthPath = path.join(outDir, `${spec.name}.json`);
  if (existsSync(audioPath) && existsSync(truthPath)) {
    try {
      const truth = JSON.parse(await readFile(truthPath, "utf8")) as FixtureTruth;
      if (truth.specHash === specHash) return { name: spec.name, audioPath, truthPath, truth };
    } catch {
      // rebuild
    }
  }
  log?.(`generating ${spec.name}`);

  const lines: { speaker: VoiceId; text: string }[] =
    spec.dialogues === "monologue"
      ? MONOLOGUE.split(/(?<=\.)\s+/).map((text) => ({ speaker: spec.voices[0]!, text }))
      : spec.dialogues.flatMap((d) => {
          const dialogue = DIALOGUES[d];
          if (!dialogue) throw new Error(`unknown dialogue ${d}`);
          return dialogue.map(([who, text]) => {
            const voice = spec.voices[Number(who) - 1];
            if (!voice) throw new Error(`${spec.name}: no voice for speaker ${who}`);
            return { speaker: voice, text };
          });
        });

  const rng = mulberry32(spec.seed);
  const SR = 16000;
  // Two synthesiser processes at a time (festival takes ~0.3–0.5 s a turn); a repeated line is rendered once.
  const renders = new Map<string, Promise<Float32Array>>();
  const rendered = await mapLimit(lines, 2, async (line) => {
    const key = `${line.speaker}\u0000${line.text}`;
    let samples = renders.get(key);
    if (!samples) {
      samples = renderTurn(VOICES[line.speaker], line.text, outDir);
      renders.set(key, samples);
    }
    return { ...line, samples: await samples };
  });

  // Layout: lead-in, turn, pause, turn, … , tail. Monologue sentences get short pauses.
  const turns: TruthTurn[] = [];
  let cursor = 0.6;
  const placements: { at: number; samples: Float32Array; speaker: VoiceId }[] = [];
  for (const [i, turn] of rendered.entries()) {
    if (i > 0) cursor += spec.dialogues === "monologue" ? 0.35 + 0.2 * rng() : 0.3 + 0.7 * rng();
    const startSample = Math.round(cursor * SR);
    placements.push({ at: startSample, samples: turn.samples, speaker: turn.speaker });
    const start = startSample / SR;
    const end = (startSample + turn.samples.length) / SR;
    turns.push({ speaker: turn.speaker, start: round3(start), end: round3(end), text: turn.text, words: normalizeWords(turn.text) });
    cursor = end;
  }
  const totalSamples = Math.round((cursor + 0.8) * SR);

  const speakerIds = [...new Set(spec.voices)];
  const channels = spec.layout === "mono" ? 1 : 2;
  const ECHO = 0.04; // -28 dB
  const NOISE_RMS = 0.0055;
  const mix = new Float32Array(totalSamples * channels);
  for (const p of placements) {
    const gain = VOICES[p.speaker].gain;
    const side = speakerIds.indexOf(p.speaker);
    for (let i = 0; i < p.samples.length; i++) {
      const v = p.samples[i]! * gain;
      const t = p.at + i;
      if (channels === 1) mix[t] = mix[t]! + v;
      else if (spec.layout === "stereo-duplicated") {
        mix[2 * t] = mix[2 * t]! + v;
        mix[2 * t + 1] = mix[2 * t + 1]! + v;
      } else {
        mix[2 * t + side] = mix[2 * t + side]! + v;
        mix[2 * t + (1 - side)] = mix[2 * t + (1 - side)]! + v * ECHO;
      }
    }
  }
  const noise = gaussian(mulberry32(spec.seed * 7919 + 1));
  if (spec.layout === "stereo-duplicated") {
    for (let t = 0; t < totalSamples; t++) {
      const n = noise() * NOISE_RMS;
      mix[2 * t] = mix[2 * t]! + n;
      mix[2 * t + 1] = mix[2 * t + 1]! + n;
    }
  } else {
    for (let i = 0; i < mix.length; i++) mix[i] = mix[i]! + noise() * NOISE_RMS;
  }

  const master = path.join(outDir, ".cache", `${spec.name}.master.wav`);
  await writeFile(master, encodeWav(mix, SR, channels));
  const tmpAudio = `${audioPath}.${process.pid}.tmp.${spec.format}`;
  const phone = spec.sampleRate === 8000 ? ["-af", "highpass=f=300,lowpass=f=3400"] : [];
  await runFfmpeg([
    "-y", "-i", fileUrl(master), ...phone, "-ar", String(spec.sampleRate), ...codecArgs(spec),
    "-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1", fileUrl(tmpAudio),
  ]);
  await rename(tmpAudio, audioPath);
  await rm(master, { force: true });

  const truth: FixtureTruth = {
    version: GENERATOR_VERSION,
    name: spec.name,
    description: spec.description,
    specHash,
    audioFile: path.basename(audioPath),
    format: spec.format,
    sampleRate: spec.sampleRate,
    layout: spec.layout,
    channels,
    durationSeconds: round3(totalSamples / SR),
    speakers: speakerIds.map((id, i) => ({ id, voice: VOICES[id], channel: spec.layout === "stereo-split" ? i : null })),
    turns,
    words: turns.flatMap((t) => t.words),
  };
  const tmpTruth = `${truthPath}.${process.pid}.tmp`;
  await writeFile(tmpTruth, `${JSON.stringify(truth, null, 2)}\n`);
  await rename(tmpTruth, truthPath);
  return { name: spec.name, audioPath, truthPath, truth };
}

function codecArgs(spec: FixtureSpec): string[] {
  const low = spec.sampleRate === 8000;
  switch (spec.format) {
    case "wav":
      return ["-c:a", "pcm_s16le", "-f", "wav"];
    case "mp3":
      return ["-c:a", "libmp3lame", "-b:a", low ? "24k" : "64k", "-f", "mp3"];
    case "m4a":
      return ["-c:a", "aac", "-b:a", "64k", "-f", "ipod"];
    case "webm":
      return ["-c:a", "libopus", "-b:a", "32k", "-f", "webm"];
    case "ogg":
      return ["-c:a", "libvorbis", "-q:a", "4", "-f", "ogg"];
  }
}

/**
 * One turn: espeak-ng or festival → 16 kHz float, trimmed to its audible part. Cached by voice and text (the
 * cache key of an espeak-ng turn is what it was before festival voices existed).
 */
async function renderTurn(voice: Voice, text: string, outDir: string): Promise<Float32Array> {
  const key =
    voice.engine === "festival"
      ? sha1(JSON.stringify({ engine: voice.engine, voice: voice.voice, durationStretch: voice.durationStretch ?? null, text }))
      : sha1(JSON.stringify({ voice: voice.voice, pitch: voice.pitch, speed: voice.speed, text }));
  const cached = path.join(outDir, ".cache", `turn-${key}.f32`);
  if (existsSync(cached)) {
    return toFloat32(await readFile(cached));
  }
  const wav = path.join(outDir, ".cache", `turn-${key}.${process.pid}.wav`);
  if (voice.engine === "festival") {
    await renderFestival(voice, text, wav);
  } else {
    // Arguments are passed directly (no shell); `--` ends the options so text can never be read as one.
    await exec("espeak-ng", ["-v", voice.voice, "-p", String(voice.pitch), "-s", String(voice.speed), "-w", wav, "--", text]);
  }
  const { stdout } = await runFfmpeg(["-y", "-i", fileUrl(wav), "-ac", "1", "-ar", "16000", "-f", "f32le", "pipe:1"]);
  await rm(wav, { force: true });
  const all = toFloat32(stdout);
  let first = 0;
  let last = all.length - 1;
  while (first < all.length && Math.abs(all[first]!) < 0.005) first++;
  while (last > first && Math.abs(all[last]!) < 0.005) last--;
  const samples = all.slice(first, last + 1);
  const tmp = `${cached}.${process.pid}.tmp`;
  await writeFile(tmp, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
  await rename(tmp, cached);
  return samples;
}

/**
 * festival's `text2wave`: the text goes through a file (read as text, never evaluated as Scheme); the only
 * Scheme passed is built from the voice definition (a name checked to be an identifier and a number).
 * text2wave exits 0 even when the voice is not installed ("SIOD ERROR: unbound variable"), writing no file,
 * so both are checked.
 */
async function renderFestival(voice: FestivalVoice, text: string, wav: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(voice.voice)) throw new Error(`bad festival voice name: ${voice.voice}`);
  const textFile = `${wav}.txt`;
  await writeFile(textFile, `${text}\n`);
  const evals = [`(voice_${voice.voice})`];
  if (voice.durationStretch !== undefined) {
    if (!Number.isFinite(voice.durationStretch) || voice.durationStretch <= 0) throw new Error(`bad durationStretch for ${voice.voice}`);
    evals.push(`(Parameter.set 'Duration_Stretch ${voice.durationStretch})`);
  }
  let stderr = "";
  try {
    ({ stderr } = await exec("text2wave", [...evals.flatMap((e) => ["-eval", e]), "-o", wav, textFile]));
  } catch (error) {
    throw new Error(`festival's text2wave failed for voice ${voice.voice}: ${missingFestival}`, { cause: error });
  } finally {
    await rm(textFile, { force: true });
  }
  if (/SIOD ERROR/.test(stderr) || !existsSync(wav)) {
    await rm(wav, { force: true });
    throw new Error(`festival voice ${voice.voice} is not available (${stderr.trim().split("\n").pop() ?? ""}): ${missingFestival}`);
  }
}

const missingFestival = `the festival speech fixtures need festival and its voices: apt-get install --no-install-recommends ${FESTIVAL_PACKAGES}`;

async function festivalVersion(): Promise<string> {
  try {
    const { stdout } = await exec("festival", ["--version"]);
    return stdout.trim();
  } catch (error) {
    throw new Error(`festival is not installed; ${missingFestival}`, { cause: error });
  }
}

/** Little-endian f32 bytes to floats (copied: a Buffer's offset need not be 4-aligned). */
function toFloat32(bytes: Buffer): Float32Array {
  const copy = new Uint8Array(bytes.length - (bytes.length % 4));
  copy.set(bytes.subarray(0, copy.length));
  return new Float32Array(copy.buffer);
}

async function espeakVersion(): Promise<string> {
  try {
    const { stdout } = await exec("espeak-ng", ["--version"]);
    return stdout.trim().split(/\s+Data at/)[0] ?? "";
  } catch (error) {
    throw new Error("espeak-ng is needed to generate speech fixtures: apt-get install espeak-ng", { cause: error });
  }
}

/** `fn` over `items` with at most `limit` calls running; results in the order of `items`. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples from a uniform source (Box–Muller). */
function gaussian(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = Math.max(uniform(), 1e-12);
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

// --- CLI -----------------------------------------------------------------------------------------------------

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  const args = process.argv.slice(2);
  if (args.includes("--list")) {
    for (const s of FIXTURE_SPECS) console.log(`${s.name.padEnd(24)} [${s.sets.join(",")}] ${s.description}`);
  } else {
    const set = (args.find((a) => a === "test" || a === "bench" || a === "all") ?? "test") as FixtureSet | "all";
    const started = Date.now();
    const fixtures = await makeSpeechFixtures({ set, log: (line) => console.log(line) });
    for (const f of fixtures) {
      console.log(`${f.name.padEnd(24)} ${f.truth.durationSeconds.toFixed(1).padStart(6)} s  ${f.truth.speakers.length} speakers  ${path.relative(process.cwd(), f.audioPath)}`);
    }
    console.log(`${fixtures.length} fixtures in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}
