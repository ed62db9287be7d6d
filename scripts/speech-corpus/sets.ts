import { stitchConversation, type Conversation } from "./conversations";
import { pick, rng, SAMPLE_RATE, shuffle, speechPieces, speechSeconds, type Clip, type Split } from "./real-voices";

/**
 * The real-voice benchmark and test sets, built deterministically from the clips of one half of the readers.
 */

export interface CallSet {
  name: string;
  speakers: 2 | 3;
  conversations: Conversation[];
}

/** Call lengths in seconds (1–10 minutes). `scale` shortens them for quick runs. */
const TWO_PARTY = [60, 60, 90, 120, 120, 180, 180, 240, 360, 600];
const THREE_PARTY = [60, 90, 120, 120, 180, 180, 240, 300, 360, 480];

/** Readers with enough speech to hold a conversation (≥ 4 s in pieces). */
function talkers(clips: Clip[]): Clip[] {
  return clips.filter((c) => speechSeconds(c) >= 4);
}

export function conversationSets(clips: Clip[], split: Split, options: { scale?: number; count?: number } = {}): CallSet[] {
  const pool = talkers(clips.filter((c) => c.split === split));
  const scale = options.scale ?? 1;
  const sets: CallSet[] = [];
  for (const [speakers, lengths] of [[2, TWO_PARTY], [3, THREE_PARTY]] as const) {
    const random = rng(speakers * 7919 + (split === "tuning" ? 1 : 2));
    const conversations = lengths.slice(0, options.count ?? lengths.length).map((seconds, i) => {
      const readers = shuffle(random, pool).slice(0, speakers);
      return stitchConversation({ name: `${split}-${speakers}p-${String(i + 1).padStart(2, "0")}`, readers, seconds: Math.max(30, seconds * scale), seed: 1000 * speakers + i + (split === "tuning" ? 0 : 500) });
    });
    sets.push({ name: `${speakers}-party`, speakers, conversations });
  }
  return sets;
}

// --- enrollment / match --------------------------------------------------------------------------------

export interface VoiceSplit {
  clip: Clip;
  /** Enrollment audio: the first `enrollSeconds` of speech of the clip (samples up to there). */
  enroll: Float32Array;
  enrollSeconds: number;
  /** The rest of the clip, never heard at enrollment. */
  test: Clip;
  testSeconds: number;
}

/**
 * A reader's clip cut in two at a pause: the last ≥ `testSeconds` of speech to match against, and before it at
 * most `maxEnrollSeconds` of speech to enroll on. Null when the clip cannot give `minEnrollSeconds` + the test.
 */
export function voiceSplit(clip: Clip, options: { testSeconds: number; maxEnrollSeconds: number; minEnrollSeconds: number }): VoiceSplit | null {
  const pieces = speechPieces(clip);
  let tail = 0;
  let cut = pieces.length;
  while (cut > 0 && tail < options.testSeconds) {
    cut--;
    tail += (pieces[cut]!.to - pieces[cut]!.from) / SAMPLE_RATE;
  }
  if (tail < options.testSeconds || cut === 0) return null;
  let enrollSeconds = 0;
  let enrollEnd = 0;
  for (const p of pieces.slice(0, cut)) {
    const len = (p.to - p.from) / SAMPLE_RATE;
    if (enrollSeconds + len > options.maxEnrollSeconds) {
      const part = options.maxEnrollSeconds - enrollSeconds;
      enrollEnd = p.from + Math.round(part * SAMPLE_RATE);
      enrollSeconds = options.maxEnrollSeconds;
      break;
    }
    enrollSeconds += len;
    enrollEnd = p.to;
  }
  if (enrollSeconds < options.minEnrollSeconds) return null;
  const testFrom = Math.max(enrollEnd, pieces[cut]!.from - Math.round(0.05 * SAMPLE_RATE));
  return {
    clip,
    enroll: clip.samples.slice(0, Math.min(clip.samples.length, enrollEnd + Math.round(0.1 * SAMPLE_RATE))),
    enrollSeconds,
    test: { ...clip, id: `${clip.id}-test`, samples: clip.samples.slice(testFrom) },
    testSeconds: tail,
  };
}

/**
 * Calls for the resolver: the user (speaking only their held-back test audio) with another reader, and
 * calls between two other readers. `user` indexes into `voices`.
 */
export function resolverCalls(voices: VoiceSplit[], others: Clip[], count: number, seconds: number, seed: number) {
  const random = rng(seed);
  const users = shuffle(random, voices).slice(0, count);
  return users.map((user, i) => {
    const other = pick(random, others.filter((c) => c.reader !== user.clip.reader));
    const readers = random() < 0.5 ? [user.test, other] : [other, user.test];
    return { user, conversation: stitchConversation({ name: `resolver-${seed}-${i}`, readers, seconds, seed: seed + i }) };
  });
}
