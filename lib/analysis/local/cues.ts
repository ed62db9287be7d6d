/**
 * The cue tables of the local analyzer: the phrases that open a commitment or a request, and the word lists
 * that tell a real task ("I'll send the deck") from talk ("I'll be honest", "can you hear me").
 */

/**
 * Who a cue makes the owner:
 * - `self`: the speaker commits ("I'll…", "let me…");
 * - `group`: the speaker proposes for the group ("let's…", "we need to…") — the speaker owns it;
 * - `request`: the speaker asks someone ("can you…", "please…") — the addressee owns it;
 * - `third`: someone not on the line ("he'll…", "they're going to…") — nobody on the call owns it;
 * - `nobody`: "someone needs to…" — unowned.
 */
export type CueKind = "self" | "group" | "request" | "third" | "nobody";

export interface CueDef {
  words: string[];
  kind: CueKind;
  /** The verb must be a known task verb ("I can send…" yes, "I can see that" no). */
  strict?: boolean;
  /** The cue stays in the title ("Let me know whether…", "Keep me posted on…"). */
  keep?: boolean;
  /** The cue only counts before one of these words ("can we get a copy…", not "can we talk about…"). */
  next?: string[];
}

/** Expands spoken variants: contractions with and without apostrophe, "gonna", "I am". */
function variants(phrase: string): string[] {
  let forms = [phrase];
  const swaps: [RegExp, string[]][] = [
    [/\bgoing to\b/, ["gonna"]],
    [/\bi'm\b/, ["im", "i am"]],
    [/\bi'll\b/, ["i will"]],
    [/\bwe'll\b/, ["we will"]],
    [/\bwe're\b/, ["we are"]],
    [/\bi'd\b/, ["i would"]],
    [/\bi've got\b/, ["i got", "ive got"]],
    [/\bwe've got\b/, ["we got", "weve got"]],
    [/\byou'll\b/, ["you will"]],
    [/\bdon't\b/, ["dont", "do not"]],
    [/\bhe'll\b/, ["he will"]],
    [/\bshe'll\b/, ["she will"]],
    [/\bthey'll\b/, ["they will"]],
    [/\bthey're\b/, ["they are"]],
    [/\bhe's\b/, ["he is"]],
    [/\bshe's\b/, ["she is"]],
  ];
  for (const [pattern, replacements] of swaps) {
    const next: string[] = [];
    for (const form of forms) {
      next.push(form);
      if (pattern.test(form)) for (const replacement of replacements) next.push(form.replace(pattern, replacement));
    }
    forms = next;
  }
  return [...new Set(forms)];
}

function cues(kind: CueKind, phrases: string[], extra: Omit<CueDef, "words" | "kind"> = {}): CueDef[] {
  return phrases.flatMap((phrase) => variants(phrase).map((form) => ({ words: form.split(" "), kind, ...extra })));
}

export const CUES: CueDef[] = [
  ...cues("self", [
    "i'll", "i'm going to", "i'll go ahead and", "i'm happy to", "i'd be happy to", "i need to", "i have to", "i've got to",
    "i gotta", "i should", "i plan to", "i'm planning to", "i promise to", "i'll try to", "my action item is to",
    "i'll need to",
  ]),
  ...cues("self", ["i can", "let me", "i want to", "i'd like to", "i'd love to"], { strict: true }),
  ...cues("group", [
    "let's", "lets", "let us", "we need to", "we'll need to", "we should", "we have to", "we've got to", "we gotta", "we must",
    "we'll", "we're going to", "we ought to", "our next step is to", "next step is to", "the next step is to",
    "my team will", "our team will", "my team's going to", "our team's going to", "my team is going to", "our team is going to",
  ]),
  ...cues("group", ["we can", "we want to"], { strict: true }),
  ...cues("request", [
    "can you", "could you", "would you", "will you", "can u", "could u", "would you mind", "do you mind", "please",
    "i need you to", "i'd like you to", "i want you to", "i'll need you to", "you need to", "you'll need to", "you should",
    "you have to", "you'll have to", "you've got to", "you must", "you'll want to", "be sure to",
    "don't forget to", "remember to", "if you could", "if you can", "i was wondering if you could", "i was wondering if you can",
    "i'd appreciate it if you could", "i'd appreciate if you could", "would it be possible for you to",
    "is it possible for you to", "would it be possible to", "can i get you to", "could i get you to", "can i ask you to",
    "go ahead and", "next step is for you to", "the next step is for you to", "it'd be great if you could",
    "it would be great if you could", "i'd love it if you could",
  ]),
  ...cues("request", ["can we", "could we", "can i", "could i"], { next: ["get", "have"] }),
  ...cues("request", ["make sure", "let me know", "let us know", "keep me posted", "keep me updated", "keep me in the loop", "keep us posted", "keep us updated"], {
    keep: true,
  }),
  ...cues(
    "third",
    [
      "he'll", "she'll", "they'll", "he's going to", "she's going to", "they're going to", "he needs to", "she needs to",
      "they need to", "he has to", "she has to", "they have to",
    ],
    { strict: true },
  ),
  ...cues("nobody", [
    "someone needs to", "somebody needs to", "someone should", "somebody should", "someone has to", "somebody has to",
    "someone will need to", "someone's got to", "somebody's got to", "someone must",
  ]),
];

/** What follows a name to make it a named owner: "Sam will…", "Sam is going to…", "Sam needs to…". */
export const NAMED_FOLLOWERS: string[][] = [
  ["will"], ["is", "going", "to"], ["is", "gonna"], ["needs", "to"], ["should"], ["can"], ["has", "to"], ["is", "to"], ["will", "need", "to"],
];

/** Words between two cues that still make them one ("can you also please…", "I'll just make sure…"). */
export const BRIDGE_WORDS = new Set(["just", "also", "then", "please", "so", "and", "really", "definitely", "quickly", "maybe", "perhaps", "kindly", "now"]);

/**
 * Leading words skipped before the verb: adverbs and helper phrases. Longest first. Returns the subject switch
 * that "make sure we/I/you…" implies.
 */
export const SKIP_PHRASES: { words: string[]; subject?: "self" | "request" }[] = [
  ...[
    "make sure that we", "make sure we", "make sure that i", "make sure i", "make sure that i'll", "make sure i'll", "make sure we'll",
    "make sure that we'll",
  ].map((p) => ({ words: p.split(" "), subject: "self" as const })),
  ...["make sure that you", "make sure you", "make sure you'll", "make sure that you'll"].map((p) => ({ words: p.split(" "), subject: "request" as const })),
  ...[
    "go ahead and", "go and", "try and", "try to", "be able to", "be sure to", "make sure to", "please make sure to", "be sure and",
    "do is", "just", "also", "definitely", "probably", "quickly", "really", "actually", "please", "maybe", "perhaps", "then",
    "certainly", "absolutely", "first", "kindly", "possibly", "personally", "um", "uh", "uhm", "like", "so", "still", "now",
    "totally", "for sure", "both", "all", "surely", "guys", "you guys", "y'all", "folks", "happily", "gladly", "immediately", "asap", "get to", "start to",
  ].map((p) => ({ words: p.split(" ") })),
].sort((a, b) => b.words.length - a.words.length);

/** Verbs of concrete follow-up work. Strict cues ("I can…", "let me…", "they'll…") need one of these. */
export const ACTION_VERBS = new Set(
  (
    "send resend email e-mail mail call text message ping ring phone dial schedule reschedule book set setup follow check " +
    "review look share forward update prepare draft write put circle get loop reach confirm finalize fix ship deploy test " +
    "ask find sort double-check doublecheck verify sign countersign pay order submit file cancel renew move arrange organize " +
    "introduce invite add remove create build run pull merge give handle walk pick drop bring print scan upload download install " +
    "configure enable disable reset contact notify inform remind connect escalate investigate research compile summarize " +
    "document record track assign approve process refund invoice quote estimate plan coordinate sync align talk speak meet " +
    "discuss clean finish complete deliver provide collect gather outline propose demo present negotiate hire onboard train " +
    "transfer post publish release launch push implement audit back migrate close open log raise flag reply respond return " +
    "decide choose select compare analyze analyse evaluate assess calculate reconcile chase nudge block reserve buy purchase " +
    "replace repair redo revise edit proofread translate take let keep touch double reach email loop patch debug ping jot " +
    "setup set-up write-up price draw mock sketch design spec scope map list book rebook extend reach pass forward cc bcc " +
    "reconnect revisit recap writeup sum circulate distribute fill complete submit register apply request"
  ).split(" "),
);

/** Verbs that never open a task: opinions, perception, talk about the talk. */
export const NON_TASK_VERBS = new Set(
  (
    "be think guess suppose believe imagine hope wish wonder admit bet assume mean know like love hate agree appreciate " +
    "understand hear see say tell hold hang wait pass stop go keep start begin continue move jump dive wrap leave let take " +
    "give talk speak repeat rephrase clarify explain describe walk share pull mute unmute interrupt come feel mention point " +
    "enjoy miss thank apologize apologise remember forget recall notice care worry mind trust doubt expect pretend note " +
    "recommend suggest prefer rather"
  ).split(" "),
);

/** Verbs that, after "let's", are usually about the meeting itself ("let's go over the agenda"). */
export const MEETING_VERBS = new Set(
  "talk discuss look take go review recap start begin dive jump move wrap kick continue keep focus switch turn hear see walk run pause table park stick hop finish".split(
    " ",
  ),
);

/** Verbs that, after "let me", are about the call itself ("let me finish my thought", "let me recap"). */
export const IN_CALL_VERBS = new Set("finish start begin continue go jump dive move wrap stop interrupt recap summarize summarise read back rephrase".split(" "));

/** Idioms that look like plans ("we'll cross that bridge…", "let's play it by ear"). */
export const IDIOMS =
  /\b(?:cross that bridge|play it by ear|keep (?:my|our|your) fingers crossed|take it (?:one|a) day at a time|wait and see|sleep on it|call it a day|knock on wood|touch wood|see how it goes|cut to the chase|put it this way|put you on (?:hold|speaker|mute)|put it simply|call me crazy|call it a day|do (?:me|us) a (?:favou?r|solid))\b/;

/** A past participle after "have" ("we should have sent"): hindsight, not a task. */
export const PARTICIPLES = new Set(
  "been sent done had made told seen gone given taken written spoken known got gotten called checked asked said thought brought bought paid put set run".split(" "),
);

/** The word right before a cue that makes it a question or an embedded clause ("do you need to…", "what we should…"). */
export const INTERROGATIVE_BEFORE = new Set(
  (
    "do does did don't doesn't didn't would will should can could shall are is was were am what how why when where who whom whose " +
    "which whether if whatever unless until though although wouldn't won't shouldn't can't couldn't"
  ).split(" "),
);

/** Words in the few words before a cue that make it hypothetical, reported or doubtful. */
export const HYPOTHETICAL_BEFORE = new Set(
  (
    "wish wished supposedly hypothetically theoretically imagine imagined wonder wondering said told mentioned thought assumed " +
    "figured pretend claimed claim claims says doubt"
  ).split(" "),
);

/** Words that after "if" (before a cue) mark a hypothetical: "if we had the budget, we should…". */
export const HYPOTHETICAL_AFTER_IF = new Set("had were was could would did only".split(" "));

/** Sentence starts that are greetings or sign-offs (skipped by the summary). */
export const GREETING = /^(?:hi|hello|hey|good (?:morning|afternoon|evening)|thanks|thank you|bye|goodbye|talk soon|have a (?:good|great|nice)|nice to (?:meet|see)|how are you|how's it going|can you hear me|sounds good|okay|ok|alright|yeah|yes|no|sure|great|perfect|cool)\b/i;
