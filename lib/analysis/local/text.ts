/**
 * Text helpers shared by the local analyzer: sentence splitting, tokenizing and word lists. Everything here is
 * pure and linear in the input size.
 */

/** One whitespace-delimited token of a sentence: `raw` as said, `norm` lowercased without edge punctuation. */
export interface Token {
  raw: string;
  norm: string;
  /** Character offset of `raw` in the text it was read from. */
  start: number;
  end: number;
}

const TERMINAL = /[.!?]/;
/** Abbreviations whose trailing period does not end a sentence. */
const ABBREVIATIONS = new Set([
  "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "e.g", "i.e", "eg", "ie", "approx", "inc", "ltd", "co", "corp",
  "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "no", "a.m", "p.m", "u.s", "u.k",
]);

/** Curly quotes to straight ones, so "I’ll" and "I'll" read the same. */
export function straightenQuotes(text: string): string {
  return text.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/[\u201c\u201d]/g, '"');
}

/** Lowercase, straight quotes, no punctuation around the word (inner apostrophes and slashes stay). */
const PLAIN_WORD = /^[a-z0-9]+(?:'[a-z]+)?$/;

export function normalizeWord(word: string): string {
  if (PLAIN_WORD.test(word)) return word;
  return straightenQuotes(word)
    .toLowerCase()
    .replace(/^[^a-z0-9']+|[^a-z0-9']+$/g, "")
    .replace(/^'+|'+$/g, "");
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const re = /\S+/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(text)) !== null) {
    const norm = normalizeWord(match[0]);
    if (norm === "") continue;
    tokens.push({ raw: match[0], norm, start: match.index, end: match.index + match[0].length });
  }
  return tokens;
}

/** True when the text carries sentence punctuation (a cloud engine's output rather than pocketsphinx's). */
export function hasSentencePunctuation(text: string): boolean {
  return TERMINAL.test(text);
}

/** True when the text ends a sentence (terminal punctuation, optionally followed by a closing quote). */
export function endsSentence(text: string): boolean {
  return /[.!?]["')\]]*\s*$/.test(text);
}

/**
 * Splits text into sentences at `.`, `!` and `?` (followed by whitespace), keeping the punctuation and
 * skipping common abbreviations and decimals. Text without sentence punctuation (pocketsphinx output) comes
 * back whole: its segments are already sentence-sized.
 */
export function splitSentences(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  if (!hasSentencePunctuation(trimmed)) return [trimmed];
  const sentences: string[] = [];
  let start = 0;
  const re = /[.!?]+["')\]]*(?=\s+|$)/g;
  let match: RegExpExecArray | null;
  while ((match = re.exec(trimmed)) !== null) {
    const end = match.index + match[0].length;
    if (match[0].startsWith(".") && match[0].length === 1) {
      // "Dr. Smith", "e.g. this", "3.5" (the last never matches: no whitespace after the dot).
      const before = trimmed.slice(start, match.index).split(/\s+/).at(-1)?.toLowerCase() ?? "";
      if (ABBREVIATIONS.has(before) || /^[a-z]$/i.test(before)) continue;
    }
    const sentence = trimmed.slice(start, end).trim();
    if (sentence !== "") sentences.push(sentence);
    start = end;
  }
  const rest = trimmed.slice(start).trim();
  if (rest !== "") sentences.push(rest);
  return sentences;
}

/** Function words and conversational filler: never "content" for the summary, never an object for a verb. */
export const STOPWORDS = new Set(
  (
    "a an the and or but so if then than that this these those there here it its it's is are was were be been being am " +
    "i i'm i'll i've i'd me my mine we we're we'll we've we'd us our ours you you're you'll you've you'd your yours " +
    "he he's he'll him his she she's she'll her hers they they're they'll them their theirs " +
    "to of in on at by for with about from into onto over under up down out off as just also too very really " +
    "do does did doing done don't doesn't didn't have has had having can can't could couldn't will won't would wouldn't " +
    "should shouldn't shall may might must not no yes yeah yep yup okay ok oh um uh uhm hmm mm mhm like well right sure " +
    "what which who whom whose when where why how all any some each every both either neither more most much many few " +
    "other another such only own same again still even ever never now already always something anything nothing " +
    "everything someone anyone everyone thing things stuff kind sort lot lots bit get got gonna wanna gotta going go " +
    "know think mean guess see say said tell told let let's lets thanks thank please hi hello hey bye great good cool " +
    "alright actually basically literally probably maybe perhaps definitely totally pretty quite one two because " +
    "been way yes there's that's what's isn't aren't wasn't weren't i'm sounds sound want need make made take"
  ).split(" "),
);

/** Words that carry no object for "I'll do it" / "let's do that" fragments. */
export const EMPTY_OBJECTS = new Set(
  (
    "it that this them those these then so too now okay ok yeah right there here again thing things one stuff please " +
    "thanks guys well anyway sure alright actually yes yep um uh soon later first too either also all up sorry minute second sec moment"
  ).split(" "),
);

/** Discourse fillers trimmed from the end of a clause ("… okay thanks"). */
export const TRAILING_FILLERS = new Set(
  "okay ok great thanks alright yeah yes so and but or um uh right perfect cool then please too well anyway sorry".split(" "),
);

/** Capitalises the first letter and the pronoun "i" (for lowercase, unpunctuated engine output). */
export function capitalizeSentence(text: string): string {
  const fixed = text.replace(/\bi(?=$|\s|'(?:m|ll|ve|d)\b)/g, "I");
  return fixed.charAt(0).toUpperCase() + fixed.slice(1);
}

const HESITATIONS = /(^|\s)(?:uh|um|uhm|umm|erm|er|hmm|mm)[,.]?(?=\s|$)/gi;
const STUTTER = /\b(the|a|an|to|and|i|we|you|of|in|on|for|that|it|is|so|our|your|my)(\s+\1\b)+/gi;

/** Drops hesitations ("uh", "um") and stuttered function words ("the the") from spoken text. */
export function dropDisfluencies(text: string): string {
  return text.replace(HESITATIONS, "$1").replace(STUTTER, "$1").replace(/\s{2,}/g, " ").trim();
}
