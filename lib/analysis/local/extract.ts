import type { AnalysisCallContext, AnalyzedActionItem } from "@/lib/analysis/types";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import {
  ACTION_VERBS,
  BRIDGE_WORDS,
  CUES,
  HYPOTHETICAL_AFTER_IF,
  HYPOTHETICAL_BEFORE,
  IDIOMS,
  IN_CALL_VERBS,
  INTERROGATIVE_BEFORE,
  MEETING_VERBS,
  NAMED_FOLLOWERS,
  NON_TASK_VERBS,
  PARTICIPLES,
  SKIP_PHRASES,
  type CueDef,
  type CueKind,
} from "./cues";
import { recordedDate, resolveDueDate } from "./dates";
import { priorityFromText } from "./priority";
import { EMPTY_OBJECTS, STOPWORDS, TRAILING_FILLERS, dropDisfluencies, endsSentence, hasSentencePunctuation, splitSentences, tokenize, type Token } from "./text";

/** Titles are cut (at a word boundary, with "…") beyond this many characters. */
export const MAX_TITLE_LENGTH = 120;
/** A sentence of a punctuated transcript may run over at most this many segments of one speaker. */
const MAX_SEGMENTS_PER_SENTENCE = 3;
/** Words before a cue looked at for hypotheticals ("if we had…", "I wish we…"). */
const PREFIX_WINDOW = 6;

type Segment = NormalizedTranscript["segments"][number];

/** A sentence of the transcript (punctuated text) or a segment (unpunctuated text): the unit the rules read. */
export interface TranscriptUnit {
  text: string;
  speakerId: string;
  /** Indexes into `transcript.segments`, with where each one's text starts in `text`. */
  parts: { segmentIndex: number; offset: number }[];
}

/**
 * The transcript as sentence units, in order. Punctuated text is split at sentence punctuation, and a sentence a
 * pause cut in two (same speaker, no terminal punctuation) is joined back across up to three segments.
 * Unpunctuated text (pocketsphinx) keeps one unit per segment: the segments are already sentence-sized.
 */
export function transcriptUnits(transcript: NormalizedTranscript): TranscriptUnit[] {
  const units: TranscriptUnit[] = [];
  const punctuated = transcript.segments.some((segment) => hasSentencePunctuation(segment.text));
  let pending: TranscriptUnit | null = null;
  const flush = () => {
    if (pending) units.push(pending);
    pending = null;
  };
  transcript.segments.forEach((segment, segmentIndex) => {
    const pieces = splitSentences(segment.text);
    pieces.forEach((piece, pieceIndex) => {
      const open = pending as TranscriptUnit | null;
      if (open && pieceIndex === 0 && open.speakerId === segment.speakerId && open.parts.length < MAX_SEGMENTS_PER_SENTENCE) {
        open.parts.push({ segmentIndex, offset: open.text.length + 1 });
        open.text = `${open.text} ${piece}`;
      } else {
        flush();
        pending = { text: piece, speakerId: segment.speakerId, parts: [{ segmentIndex, offset: 0 }] };
      }
      if (!punctuated || endsSentence(piece)) flush();
    });
  });
  flush();
  return units;
}

interface CueMatch {
  start: number;
  end: number;
  kind: CueKind | "named";
  strict: boolean;
  keep: boolean;
  /** For "Sam will…": the speaker named (null when the name is nobody on the call). */
  namedSpeakerId?: string | null;
  /** A bare imperative ("Send me the deck."): the verb is the cue. */
  imperative?: boolean;
}

interface TrieNode {
  next: Map<string, TrieNode>;
  cue?: CueDef;
}

const CUE_TRIE: TrieNode = (() => {
  const root: TrieNode = { next: new Map() };
  for (const cue of CUES) {
    let node = root;
    for (const word of cue.words) {
      let child = node.next.get(word);
      if (!child) {
        child = { next: new Map() };
        node.next.set(word, child);
      }
      node = child;
    }
    node.cue ??= cue;
  }
  return root;
})();

/** Words that may precede "lets" (no apostrophe) when it means "let's" rather than "it lets you". */
const LETS_OK_BEFORE = new Set(["so", "okay", "ok", "alright", "and", "then", "yeah", "well", "now", "great", "perfect", "cool", "right", "good", "sure", "fine", "um", "uh", "but", "maybe"]);

/** Who can be named in the call: display-name words → speaker id (null: a name, but nobody or several). */
export interface NameIndex {
  byWord: Map<string, string | null>;
}

const NAME_TITLES = new Set(["mr", "mrs", "ms", "miss", "dr", "prof", "sir", "madam"]);

export function buildNameIndex(speakers: NormalizedTranscript["speakers"], contactName: string | null = null): NameIndex {
  const byWord = new Map<string, string | null>();
  const add = (name: string | null, speakerId: string | null) => {
    if (!name) return;
    for (const word of tokenize(name)) {
      if (word.norm.length < 2 || NAME_TITLES.has(word.norm) || STOPWORDS.has(word.norm)) continue;
      const existing = byWord.get(word.norm);
      if (existing === undefined) byWord.set(word.norm, speakerId);
      else if (existing !== speakerId) byWord.set(word.norm, existing === null ? speakerId : speakerId === null ? existing : null);
    }
  };
  for (const speaker of speakers) add(speaker.displayName, speaker.id);
  // The call's contact names the one unnamed counterparty, or at least reads as a name.
  const counterparties = speakers.filter((speaker) => speaker.role === "COUNTERPARTY");
  const unnamedCounterparty = counterparties.length === 1 && !counterparties[0]!.displayName ? counterparties[0]!.id : null;
  add(contactName, unnamedCounterparty);
  return { byWord };
}

function longestCue(tokens: Token[], index: number): { cue: CueDef; length: number } | null {
  let node: TrieNode | undefined = CUE_TRIE;
  let best: { cue: CueDef; length: number } | null = null;
  for (let i = index; i < tokens.length && node; i++) {
    node = node.next.get(tokens[i]!.norm);
    const cue = node?.cue;
    if (cue && (!cue.next || cue.next.includes(tokens[i + 1]?.norm ?? ""))) best = { cue, length: i - index + 1 };
  }
  return best;
}

function namedCue(tokens: Token[], index: number, names: NameIndex): { length: number; speakerId: string | null } | null {
  const word = tokens[index]!.norm;
  const contracted = word.endsWith("'ll") ? word.slice(0, -3) : null;
  if (contracted !== null && names.byWord.has(contracted)) return { length: 1, speakerId: names.byWord.get(contracted) ?? null };
  // "Sam, can you…" / "sam can you…": a vocative before a request, not "Sam can…".
  if (!names.byWord.has(word) || /[,;:]$/.test(tokens[index]!.raw)) return null;
  for (const follower of NAMED_FOLLOWERS) {
    if (follower.every((expected, offset) => tokens[index + 1 + offset]?.norm === expected)) {
      if (["you", "u", "ya"].includes(tokens[index + 1 + follower.length]?.norm ?? "")) return null;
      return { length: 1 + follower.length, speakerId: names.byWord.get(word) ?? null };
    }
  }
  return null;
}

/** Every cue in a unit, left to right, longest first, not overlapping. */
function findCues(tokens: Token[], names: NameIndex): CueMatch[] {
  const matches: CueMatch[] = [];
  const question = /\?["')\]]*$/.test(tokens.at(-1)?.raw ?? "");
  const opening = imperativeStart(tokens, names);
  let i = 0;
  while (i < tokens.length) {
    const named = namedCue(tokens, i, names);
    const found = longestCue(tokens, i);
    if (!found && !named && !question && i === opening && isImperative(tokens, i)) {
      // "Send me the deck by Friday." — a bare imperative opening the sentence: a request.
      matches.push({ start: i, end: i, kind: "request", strict: true, keep: false, imperative: true });
      i++;
      continue;
    }
    if (named && (!found || named.length >= found.length)) {
      matches.push({ start: i, end: i + named.length, kind: "named", strict: false, keep: false, namedSpeakerId: named.speakerId });
      i += named.length;
      continue;
    }
    if (found) {
      const lets = tokens[i]!.norm === "lets";
      const previous = tokens[i - 1]?.norm;
      if (!(lets && previous !== undefined && !LETS_OK_BEFORE.has(previous))) {
        matches.push({ start: i, end: i + found.length, kind: found.cue.kind, strict: found.cue.strict ?? false, keep: found.cue.keep ?? false });
        i += found.length;
        continue;
      }
    }
    i++;
  }
  return matches;
}

/** Words that may open a sentence before an imperative ("okay so send me…", "Sam, send me…"). */
const OPENERS = new Set(["okay", "ok", "so", "and", "also", "just", "then", "alright", "yeah", "well", "now", "great", "perfect", "cool", "right", "um", "uh", "oh", "hey", "first", "next", "lastly", "finally"]);
/** Verbs whose bare imperative opening a sentence is a request. */
const IMPERATIVE_VERBS = new Set(
  "send resend email forward schedule reschedule book review sign countersign submit update confirm invite cancel pay fix prepare draft finalize upload text ping call add remove renew approve circulate complete loop copy cc".split(" "),
);
/** What follows an imperative verb (and not the same word used as a noun: "update on the migration…"). */
const IMPERATIVE_OBJECT_STARTS = new Set(["me", "us", "them", "it", "the", "a", "an", "that", "this", "those", "these", "your", "our", "my", "him", "her", "over", "out", "up", "back", "everyone", "everybody", "in", "all"]);

/** Index of the first word after sentence openers and a vocative name ("okay so Sam, send…"). */
function imperativeStart(tokens: Token[], names: NameIndex): number {
  let i = 0;
  while (i < tokens.length - 1 && (OPENERS.has(tokens[i]!.norm) || names.byWord.has(tokens[i]!.norm))) i++;
  return i;
}

function isImperative(tokens: Token[], index: number): boolean {
  return IMPERATIVE_VERBS.has(tokens[index]?.norm ?? "") && IMPERATIVE_OBJECT_STARTS.has(tokens[index + 1]?.norm ?? "");
}

/** A cue-led stretch of a unit: [regionStart, end) with the cue at [cueStart, bodyStart). */
export interface Clause {
  regionStart: number;
  cueStart: number;
  bodyStart: number;
  end: number;
  kind: CueKind | "named";
  strict: boolean;
  keep: boolean;
  namedSpeakerId?: string | null;
  imperative?: boolean;
}

/**
 * Splits a unit's tokens into clauses at cues. A cue right after another one (only bridge words between, as in
 * "can you also please…") joins it; a cue after a question word or "that" inside an open clause ("let me know
 * what we should…") belongs to that clause.
 */
export function splitClauses(tokens: Token[], names: NameIndex): Clause[] {
  const matches = findCues(tokens, names);
  const clauses: Clause[] = [];
  let current: Clause | null = null;
  for (const match of matches) {
    if (current) {
      const between = tokens.slice(current.bodyStart, match.start);
      const bridged = between.every((token) => BRIDGE_WORDS.has(token.norm));
      const embedded = INTERROGATIVE_BEFORE.has(tokens[match.start - 1]?.norm ?? "") || tokens[match.start - 1]?.norm === "that";
      if (bridged && !/[.,;:!?]$/.test(tokens[match.start - 1]?.raw ?? "")) {
        current.bodyStart = match.keep ? match.start : match.end;
        current.strict = current.strict && match.strict;
        current.keep = current.keep || match.keep;
        if (match.kind === "named" && current.kind !== "named") current.namedSpeakerId = match.namedSpeakerId;
        continue;
      }
      if (embedded) continue;
      current.end = match.start;
    }
    current = {
      regionStart: current ? current.end : 0,
      cueStart: match.start,
      bodyStart: match.keep ? match.start : match.end,
      end: tokens.length,
      kind: match.kind,
      strict: match.strict,
      keep: match.keep,
      ...(match.kind === "named" ? { namedSpeakerId: match.namedSpeakerId ?? null } : {}),
      ...(match.imperative ? { imperative: true } : {}),
    };
    clauses.push(current);
  }
  return clauses;
}

function gerundBase(word: string): string[] {
  if (!word.endsWith("ing") || word.length < 5) return [word];
  const stem = word.slice(0, -3);
  const forms = [stem, `${stem}e`];
  if (/([bcdfgklmnprstvz])\1$/.test(stem)) forms.push(stem.slice(0, -1));
  return forms;
}

/** The base form of a verb read as a task verb ("sending" after "would you mind" → "send"), if it is one. */
function taskVerbForm(word: string): string | null {
  for (const form of gerundBase(word)) if (ACTION_VERBS.has(form) || NON_TASK_VERBS.has(form)) return form;
  return null;
}

/** Verbs that need a real object or particle: "I'll get there", "I'll check it" are not tasks. */
const WEAK_TASK_VERBS = new Set(["get", "put", "take", "let", "keep", "give", "run", "pass", "move", "set", "look", "check", "work", "handle", "sort", "pick", "bring", "touch", "circle", "reach", "loop", "follow", "back", "close", "open", "talk", "speak", "meet", "plan", "list", "map", "fill", "note", "block", "double", "walk"]);
const PARTICLES = new Set(["into", "over", "up", "back", "out", "through", "after", "on", "in", "with", "together", "around", "down", "off", "base"]);

type VerbVerdict = "task" | "weak" | "reject";

/** Is the clause body (lowercased words, verb first) a task? */
function judgeVerb(body: string[]): VerbVerdict {
  const [first = "", second = "", third = ""] = body;
  const verb = taskVerbForm(first) ?? first;
  if (NON_TASK_VERBS.has(verb)) {
    switch (verb) {
      case "see":
        return second === "if" || second === "whether" || second === "about" || (second === "what" && third === "i") ? "task" : "reject";
      case "tell":
        return second !== "" && !["you", "me", "us", "ya", "y'all", "everyone", "ya'll"].includes(second) ? "task" : "reject";
      case "keep":
        // "keep you posted", "keep Sam in the loop" — not "keep that in mind".
        return ["posted", "updated", "informed"].includes(third) || (third === "in" && body[4] === "loop") ? "task" : "reject";
      case "let":
        return third === "know" ? "task" : "reject";
      case "take":
        return ["care", "over", "ownership", "notes", "point", "charge"].includes(second) ||
          (["a", "the"].includes(second) && ["look", "lead", "stab", "pass", "crack", "first"].includes(third))
          ? "task"
          : "reject";
      case "give":
        if (["me", "us"].includes(second) && ["a", "one", "two", "just"].includes(third)) return "reject";
        if (second === "you" && ["that", "this"].includes(third)) return "reject";
        return second === "" ? "reject" : "task";
      case "talk":
      case "speak":
        return ["to", "with"].includes(second) && third !== "" && !["you", "ya", "y'all", "soon", "later"].includes(third) ? "task" : "reject";
      case "walk":
        return second !== "" && !["me", "us", "you"].includes(second) ? "task" : "reject";
      case "share":
        return body.slice(1, 4).some((word) => word === "screen" || word === "screens") || second === "" ? "reject" : "task";
      case "pull":
        return second === "" || body.slice(1, 4).includes("up") ? "reject" : "task";
      case "move":
        return ["on", "forward", "along", "ahead", "onto", "past"].includes(second) || second === "" ? "reject" : "task";
      case "pass":
        return ["along", "on"].includes(second) && third !== "" ? "task" : "reject";
      case "mention":
        return body.slice(1, 5).includes("to") ? "task" : "reject";
      default:
        return "reject";
    }
  }
  if (ACTION_VERBS.has(verb)) {
    if (verb === "get") {
      if (["going", "started", "off", "rolling", "along", "moving", "there", "into", "through", "by", "used", "ready", "lost", "back"].includes(second)) {
        // "get back to you" is the one "get back" that is a task.
        return second === "back" && third === "to" ? "task" : "reject";
      }
      // "get it to me", "get that done", but not "get it" / "get that".
      if (["it", "that", "this"].includes(second)) {
        return ["to", "over", "done", "back", "signed", "sent", "out", "finished", "fixed", "approved", "across", "sorted", "scheduled", "booked"].includes(third) ? "task" : "reject";
      }
    }
    if (verb === "ask" && (second === "you" || (second === "a" && third === "question"))) return "reject";
    return "task";
  }
  return "weak";
}

const SUBJECTS = new Set(["i", "you", "we", "they", "he", "she", "u"]);
const CONNECTORS = new Set(["and", "but", "or", "so", "then", "also", "because", "cause"]);
const THAT_CLAUSE_STARTERS = new Set(["we", "i", "you", "they", "he", "she", "it's", "there", "the", "our", "your", "this", "it", "there's", "we're", "i'm"]);

/** Could this word open a verb phrase (rather than "by Friday" or "thanks")? */
function isVerbLike(word: string | undefined): boolean {
  if (!word) return false;
  const form = taskVerbForm(word) ?? word;
  return ACTION_VERBS.has(form) || NON_TASK_VERBS.has(form) || (!STOPWORDS.has(word) && !TRAILING_FILLERS.has(word) && !/^\d/.test(word) && !DATE_WORDS.has(word));
}
const DATE_WORDS = new Set(["today", "tomorrow", "tonight", "asap", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "eod", "eow"]);

function isMeaningful(word: string): boolean {
  return /[a-z0-9]/.test(word) && !STOPWORDS.has(word) && !EMPTY_OBJECTS.has(word);
}

/** Greetings, sign-offs and social niceties that look like proposals ("we should grab lunch sometime"). */
const SOCIAL = /\b(?:catch up|grab (?:a )?(?:lunch|coffee|drinks?|beers?|dinner|breakfast)|get (?:lunch|coffee|dinner|drinks)|get together|hang out|do this again|keep in touch|stay in touch|have a (?:good|great|nice))\b/;
/** "let me know if you have any questions": an offer, not a task (unless a date makes it one). */
const SOFT_LET_KNOW = /^(?:let|keep) (?:me|us) (?:know|posted|updated)(?: (?:if|when|whether) (?:you (?:have|need|want|run|get|think|hear)|there's|there is|anything|something|any)| what you think| how (?:it goes|you feel|that sounds)| your thoughts)?$|^let (?:me|us) know if (?:you (?:have|need|want|run|get|think)|there's|there is|anything|something|any)|^let (?:me|us) know (?:what you think|how (?:it goes|you feel|that sounds))/;

export interface ExtractContext {
  transcript: NormalizedTranscript;
  call: Pick<AnalysisCallContext, "recordedAt" | "timeZone" | "contactName">;
}

interface Draft extends AnalyzedActionItem {
  /** For dedup: the first and last segment index the item cites. */
  firstIndex: number;
  lastIndex: number;
  key: string;
}

function skipLeading(body: Token[]): { rest: Token[]; subject?: "self" | "request" } {
  let rest = body;
  let subject: "self" | "request" | undefined;
  for (let guard = 0; guard < 8; guard++) {
    const phrase = SKIP_PHRASES.find((candidate) => candidate.words.every((word, offset) => rest[offset]?.norm === word) && rest.length > candidate.words.length);
    if (!phrase) break;
    if (phrase.subject) subject = phrase.subject;
    rest = rest.slice(phrase.words.length);
  }
  // "I'll be sending the contract" → "sending the contract".
  if (rest[0]?.norm === "be" && rest[1] && rest[1].norm.endsWith("ing") && taskVerbForm(rest[1].norm) && ACTION_VERBS.has(taskVerbForm(rest[1].norm)!)) {
    rest = rest.slice(1);
  }
  return { rest, ...(subject ? { subject } : {}) };
}

/** Words after which a name is an object ("send it to Sam"), not someone addressed ("send it, Sam"). */
const NAME_OBJECT_BEFORE = new Set(["to", "with", "for", "from", "about", "and", "or", "cc", "ask", "tell", "call", "email", "ping", "text", "invite", "loop", "introduce", "by", "of", "at", "remind", "let", "thank"]);

/** A name closing a clause that addresses someone ("…by Friday, Sam") rather than being its object. */
function isTrailingVocative(tokens: Token[], index: number, names: NameIndex): boolean {
  const token = tokens[index];
  const before = tokens[index - 1];
  if (!token || !before || !names.byWord.has(token.norm)) return false;
  return /,$/.test(before.raw) || !NAME_OBJECT_BEFORE.has(before.norm);
}

/** Drops what closes a clause without adding to it: "…okay thanks", "…thank you", "…, Sam". */
function trimTrailing(body: Token[], names: NameIndex): Token[] {
  let end = body.length;
  while (end > 1) {
    const last = body[end - 1]!;
    if (last.norm === "you" && body[end - 2]?.norm === "thank") end -= 2;
    else if (TRAILING_FILLERS.has(last.norm) || isTrailingVocative(body, end - 1, names)) end -= 1;
    else break;
  }
  return body.slice(0, end);
}

/** "Send the revised proposal by Friday": words as said, edge punctuation off, first letter capitalised. */
export function shapeTitle(words: string[], max = MAX_TITLE_LENGTH): { title: string; shortened: boolean } {
  let text = dropDisfluencies(words.join(" ").replace(/\s+/g, " "));
  text = text.replace(/^[\s,;:.!?…\-–—"'()]+/, "").replace(/[\s,;:.!?…\-–—"'(]+$/, "");
  // Lowercase engine output: the pronoun "I".
  text = text.replace(/(^|\s)i(?=$|\s|'(?:m|ll|ve|d)\b)/g, "$1I");
  text = text.charAt(0).toUpperCase() + text.slice(1);
  if (text.length <= max) return { title: text, shortened: false };
  const cut = text.slice(0, max - 1);
  const boundary = cut.lastIndexOf(" ");
  const head = (boundary > max / 2 ? cut.slice(0, boundary) : cut).replace(/[\s,;:.!?\-–—]+$/, "");
  return { title: `${head}…`, shortened: true };
}

/** Normalized title for dedup: lowercase words without articles, pronouns and filler. */
const KEY_DROP = new Set(["the", "a", "an", "me", "you", "us", "them", "it", "over", "to", "your", "my", "our", "please", "just", "that", "this", "those", "these", "him", "her", "back"]);
function titleKey(title: string): string {
  return tokenize(title)
    .map((token) => token.norm)
    .filter((word) => !KEY_DROP.has(word))
    .join(" ");
}

/**
 * Finds commitments and requests in a transcript: "I'll…", "can you…", "let's…", "Sam will…". Each item cites
 * the segments its sentence came from. Deterministic; linear in the transcript's length.
 */
export function extractActionItems(context: ExtractContext): AnalyzedActionItem[] {
  const { transcript, call } = context;
  const timeZone = call.timeZone || "UTC";
  const recordedOn = recordedDate(call.recordedAt, timeZone);
  const names = buildNameIndex(transcript.speakers, call.contactName ?? null);
  const segments = transcript.segments;
  const talking = [...new Set(segments.filter((segment) => segment.text.trim() !== "").map((segment) => segment.speakerId))];

  const addresseeOf = (speakerId: string, lastIndex: number): string | null => {
    if (talking.length === 2) return talking.find((id) => id !== speakerId) ?? null;
    for (let i = lastIndex + 1; i < segments.length; i++) {
      const segment: Segment = segments[i]!;
      if (segment.speakerId !== speakerId && segment.text.trim() !== "") return segment.speakerId;
    }
    return null;
  };

  const drafts: Draft[] = [];
  for (const unit of transcriptUnits(transcript)) {
    const tokens = tokenize(unit.text);
    for (const clause of splitClauses(tokens, names)) {
      const draft = judgeClause(unit, tokens, clause);
      if (draft) drafts.push(draft);
    }
  }
  return dedupe(drafts);

  function judgeClause(unit: TranscriptUnit, tokens: Token[], clause: Clause): Draft | null {
    let kind = clause.kind;
    const cueWords = tokens.slice(clause.cueStart, clause.bodyStart).map((token) => token.norm);
    const isLets = ["let's", "lets", "let"].includes(tokens[clause.cueStart]?.norm ?? "") && !clause.keep && clause.kind === "group";
    const isLetMe = tokens[clause.cueStart]?.norm === "let" && tokens[clause.cueStart + 1]?.norm === "me" && !clause.keep;
    let regionEnd = clause.end;
    // The sentence as said, without a dangling connector where the next clause begins ("… tomorrow and").
    while (regionEnd - 1 > clause.cueStart && CONNECTORS.has(tokens[regionEnd - 1]!.norm) && !/[.!?]$/.test(tokens[regionEnd - 1]!.raw)) regionEnd--;
    const regionTokens = tokens.slice(clause.regionStart, regionEnd);
    const regionText = unit.text.slice(regionTokens[0]?.start ?? 0, regionTokens.at(-1)?.end ?? 0).trim();

    // What comes before the cue: a question ("do we need to…"), an embedded clause, a hypothetical.
    const previous = tokens[clause.cueStart - 1];
    let bodyTokens = tokens.slice(clause.bodyStart, clause.end);
    const pseudoCleft = previous?.norm === "what" && bodyTokens[0]?.norm === "do" && bodyTokens[1]?.norm === "is";
    // "you can let me know…" is a statement, "what can we…" a question: a subject before the auxiliary says which.
    const declarative = SUBJECTS.has(tokens[clause.cueStart - 2]?.norm ?? "");
    if (previous && INTERROGATIVE_BEFORE.has(previous.norm) && !pseudoCleft && !declarative && !/[,;:]$/.test(previous.raw)) return null;
    const window = tokens.slice(Math.max(clause.regionStart, clause.cueStart - PREFIX_WINDOW), clause.cueStart).map((token) => token.norm);
    const windowText = window.join(" ");
    if (window.some((word) => HYPOTHETICAL_BEFORE.has(word))) return null;
    const ifAt = window.lastIndexOf("if");
    if (ifAt >= 0 && window.slice(ifAt + 1).some((word) => HYPOTHETICAL_AFTER_IF.has(word))) return null;
    if (/\b(?:don't|do not|doesn't|didn't|not|never) (?:think|believe|know|sure|feel)\b|\b(?:do|did|don't) (?:you|we|they) (?:think|want|feel|reckon)\b|\bwould have\b/.test(windowText)) return null;

    // The body: skip adverbs and helpers, drop closing fillers and vocatives.
    const skipped = skipLeading(bodyTokens);
    if (skipped.subject === "self" && kind === "request") kind = "self";
    bodyTokens = trimTrailing(skipped.rest, names);
    let resolvedDue: string | null | undefined;
    const due = () => (resolvedDue === undefined ? (resolvedDue = resolveDueDate(regionText, call.recordedAt, timeZone)) : resolvedDue);

    let taskTokens = bodyTokens;
    const verbless = clause.keep && ["let", "keep"].includes(tokens[clause.bodyStart]?.norm ?? "");
    if (verbless) {
      // "Let me know whether you want to proceed by Friday": the cue is the task; "let me know if you have
      // any questions" is an offer.
      const phrase = bodyTokens.map((token) => token.norm).join(" ");
      if (SOFT_LET_KNOW.test(phrase) && !due()) return null;
    } else if (cueWords.length === 1 && cueWords[0] === "please" && clause.cueStart > clause.regionStart && !isVerbLike(bodyTokens[0]?.norm)) {
      // "Send me the deck, please." / "send me the deck please by friday": the task comes before "please".
      taskTokens = trimTrailing([...tokens.slice(clause.regionStart, clause.cueStart), ...bodyTokens], names);
      while (taskTokens.length > 0 && OPENERS.has(taskTokens[0]!.norm)) taskTokens = taskTokens.slice(1);
      if (judgeVerb(taskTokens.map((token) => token.norm)) !== "task" || taskTokens.length < 2) return null;
    } else {
      const words = bodyTokens.map((token) => token.norm);
      if (words.length === 0) return null;
      const [verb = "", next = ""] = words;
      if (["not", "never", "don't", "dont", "no", "won't", "can't", "cannot"].includes(verb)) return null;
      if (verb === "have" && (PARTICIPLES.has(next) || /ed$/.test(next))) return null;
      if (STOPWORDS.has(verb) && !ACTION_VERBS.has(verb) && !NON_TASK_VERBS.has(verb) && !["do", "make", "get", "have", "need"].includes(verb)) return null;
      const verdict = judgeVerb(words);
      if (verdict === "reject") return null;
      // "I should add that we…", "I'll say that the…": talk about the talk.
      if (verdict !== "task" && next === "that" && THAT_CLAUSE_STARTERS.has(words[2] ?? "")) return null;
      if ((clause.strict || kind === "third") && verdict !== "task") return null;
      if (clause.imperative && !words.slice(1).some((word) => isMeaningful(word) || PARTICLES.has(word))) return null;
      const rest = words.slice(1);
      const verbForm = taskVerbForm(verb) ?? verb;
      if (verdict === "task") {
        if (rest.length === 0) return null;
        if (WEAK_TASK_VERBS.has(verbForm) && !rest.some((word) => isMeaningful(word) || PARTICLES.has(word))) return null;
      } else if (words.length < 3 || !rest.some(isMeaningful)) {
        return null;
      }
      if (isLets && MEETING_VERBS.has(verbForm) && !due()) return null;
      if (isLetMe && IN_CALL_VERBS.has(verbForm)) return null;
      if (SOCIAL.test(words.join(" ")) && !due()) return null;
      if (IDIOMS.test(words.join(" "))) return null;
    }
    if (taskTokens.length === 0) return null;
    const dueDate = due();

    // Owner.
    let ownerSpeakerId: string | null;
    const lastPart = partFor(unit, regionTokens.at(-1)?.end ?? 0);
    const firstPart = partFor(unit, regionTokens[0]?.start ?? 0);
    if (kind === "self" || kind === "group") ownerSpeakerId = unit.speakerId;
    else if (kind === "named") ownerSpeakerId = clause.namedSpeakerId ?? null;
    else if (kind === "request") ownerSpeakerId = vocative(tokens, clause, unit.speakerId) ?? addresseeOf(unit.speakerId, lastPart.segmentIndex);
    else ownerSpeakerId = null;

    // Title.
    let words = taskTokens.map((token) => token.raw);
    if (kind === "named" && clause.namedSpeakerId === null) words = [tokens[clause.cueStart]!.raw.replace(/'ll$/i, ""), "to", ...words];
    const { title, shortened } = shapeTitle(words);
    if (title.length < 3) return null;

    const segmentIds: string[] = [];
    for (const part of unit.parts) {
      if (part.segmentIndex >= firstPart.segmentIndex && part.segmentIndex <= lastPart.segmentIndex) segmentIds.push(segments[part.segmentIndex]!.id);
    }
    return {
      title,
      description: shortened ? regionText : null,
      dueDate,
      priority: priorityFromText(regionText, dueDate, recordedOn),
      ownerSpeakerId,
      sourceSegmentIds: segmentIds,
      sourceText: regionText,
      firstIndex: firstPart.segmentIndex,
      lastIndex: lastPart.segmentIndex,
      key: titleKey(title),
    };
  }

  function vocative(tokens: Token[], clause: Clause, speakerId: string): string | null {
    const candidates: Token[] = [];
    const previous = tokens[clause.cueStart - 1];
    if (previous) candidates.push(previous);
    for (let i = clause.regionStart; i < clause.cueStart; i++) if (/,$/.test(tokens[i]!.raw)) candidates.push(tokens[i]!);
    if (isTrailingVocative(tokens, clause.end - 1, names)) candidates.push(tokens[clause.end - 1]!);
    for (const token of candidates) {
      const id = names.byWord.get(token.norm);
      if (id && id !== speakerId) return id;
    }
    return null;
  }
}

function partFor(unit: TranscriptUnit, offset: number): TranscriptUnit["parts"][number] {
  let found = unit.parts[0]!;
  for (const part of unit.parts) if (part.offset <= offset) found = part;
  return found;
}

/**
 * Drops near-duplicates: the same owner with the same normalized title anywhere in the call (the first stays and
 * takes a due date the later one adds), or one title contained in the other within the same or adjacent
 * segments (the longer, more specific one stays).
 */
function dedupe(drafts: Draft[]): AnalyzedActionItem[] {
  const kept: (Draft | null)[] = [];
  const byOwnerKey = new Map<string, number>();
  for (const draft of drafts) {
    const exactKey = `${draft.ownerSpeakerId ?? ""}\u0000${draft.key}`;
    const exact = byOwnerKey.get(exactKey);
    if (exact !== undefined && kept[exact]) {
      const existing = kept[exact]!;
      if (!existing.dueDate && draft.dueDate) {
        existing.dueDate = draft.dueDate;
        // The earlier mention said nothing about urgency: the date (and what came with it) decides.
        if (existing.priority === "medium") existing.priority = draft.priority;
      }
      continue;
    }
    let merged = false;
    // Only neighbours can be near-duplicates: walk back while the items are within one segment.
    for (let i = kept.length - 1; i >= 0; i--) {
      const other = kept[i];
      if (!other) continue;
      if (draft.firstIndex - other.lastIndex > 1) break;
      const a = ` ${draft.key} `;
      const b = ` ${other.key} `;
      if (draft.key === "" || other.key === "") continue;
      if (a.includes(b) || b.includes(a)) {
        if (draft.key.length > other.key.length) {
          kept[i] = null;
          kept.push(draft);
          byOwnerKey.set(exactKey, kept.length - 1);
        }
        merged = true;
        break;
      }
    }
    if (merged) continue;
    kept.push(draft);
    byOwnerKey.set(exactKey, kept.length - 1);
  }
  return kept
    .filter((draft): draft is Draft => draft !== null)
    .map((draft) => ({
      title: draft.title,
      description: draft.description,
      dueDate: draft.dueDate,
      priority: draft.priority,
      ownerSpeakerId: draft.ownerSpeakerId,
      sourceSegmentIds: draft.sourceSegmentIds,
      sourceText: draft.sourceText,
    }));
}
