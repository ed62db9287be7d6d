import * as chrono from "chrono-node";

/**
 * Due-date resolution: a phrase said in a call ("by Friday", "end of next week", "on March 3rd") becomes a
 * calendar date `YYYY-MM-DD` in the call's time zone, relative to when the call was recorded. Dates only look
 * forward. The rules, where a phrase is ambiguous:
 *
 * - A bare weekday ("Friday", "by Friday", "on Friday", "coming Friday") is its next occurrence strictly after
 *   the recorded day: said on a Friday, "by Friday" means next week's Friday (had they meant today they would
 *   say "today"). "this Friday" said on a Friday is that same day.
 * - "next <weekday>" is that weekday in the next calendar week (weeks start on Monday): "next Tuesday" said on
 *   Wednesday 2026-03-04 is 2026-03-10, "next Friday" is 2026-03-13.
 * - "end of day" / "EOD" / "COB" / "today" / "tonight" / "this afternoon": the recorded date.
 * - "end of the week" / "EOW" / "this week" / "later this week": Friday of the recorded week (on a weekend:
 *   the coming Friday). "end of next week" / "later next week": Friday of next week.
 * - "next week" / "early next week" / "beginning of next week": Monday of next week; "mid next week": Wednesday.
 * - "end of the month" / "EOM": the month's last day; "end of next month": next month's last day; "next month" /
 *   "early next month": the 1st of next month. "end of the quarter" / "end of the year": its last day.
 * - "on the 15th" / "by the fifteenth": the next such day of a month, counting the recorded day itself.
 * - "in the morning": tomorrow when said from 10:00 on, else the recorded day.
 * - Everything else ("tomorrow morning", "in two weeks", "March 3rd", "3/10", "in a couple of days", "at 3pm")
 *   goes to chrono-node with `forwardDate`. A month on its own ("in April") or a bare year gives no date.
 */

export interface LocalDateTime {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    partsFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock date and time of `instant` in `timeZone` (an IANA name; an unknown zone reads as UTC). */
export function localDateTime(instant: Date, timeZone = "UTC"): LocalDateTime {
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = formatterFor(timeZone || "UTC");
  } catch {
    formatter = formatterFor("UTC");
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(instant)) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? instant.getUTCFullYear(),
    month: parts.month ?? instant.getUTCMonth() + 1,
    day: parts.day ?? instant.getUTCDate(),
    hour: (parts.hour ?? 0) % 24,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** A civil date as a UTC-midnight timestamp, so date arithmetic never meets a DST jump. */
function civil(year: number, month: number, day: number): Date {
  return new Date(Date.UTC(year, month - 1, day));
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * 86_400_000);
}

export function formatDate(date: Date): string {
  const y = String(date.getUTCFullYear()).padStart(4, "0");
  const m = String(date.getUTCMonth() + 1).padStart(2, "0");
  const d = String(date.getUTCDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

/** The call's calendar date `YYYY-MM-DD` in its time zone. */
export function recordedDate(recordedAt: Date, timeZone = "UTC"): string {
  const local = localDateTime(recordedAt, timeZone);
  return formatDate(civil(local.year, local.month, local.day));
}

/** Whole days from `from` to `to` (both `YYYY-MM-DD`). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Monday-based weekday index: Monday 0 … Sunday 6. */
function mondayIndex(date: Date): number {
  return (date.getUTCDay() + 6) % 7;
}

function mondayOfWeek(date: Date): Date {
  return addDays(date, -mondayIndex(date));
}

function lastDayOfMonth(year: number, month: number): Date {
  return new Date(Date.UTC(year, month, 0));
}

const WEEKDAYS: Record<string, number> = {
  monday: 0,
  tuesday: 1,
  tues: 1,
  wednesday: 2,
  weds: 2,
  thursday: 3,
  thurs: 3,
  friday: 4,
  saturday: 5,
  sunday: 6,
};

const ORDINAL_WORDS: Record<string, number> = {
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10,
  eleventh: 11, twelfth: 12, thirteenth: 13, fourteenth: 14, fifteenth: 15, sixteenth: 16, seventeenth: 17,
  eighteenth: 18, nineteenth: 19, twentieth: 20, "twenty first": 21, "twenty second": 22, "twenty third": 23,
  "twenty fourth": 24, "twenty fifth": 25, "twenty sixth": 26, "twenty seventh": 27, "twenty eighth": 28,
  "twenty ninth": 29, thirtieth: 30, "thirty first": 31,
};
const ORDINAL_WORD_PATTERN = Object.keys(ORDINAL_WORDS)
  .sort((a, b) => b.length - a.length)
  .join("|");

interface Candidate {
  index: number;
  length: number;
  date: Date;
  /** "end of day" names a time, not a day: "end of day tomorrow" is tomorrow. */
  timeOfDay?: boolean;
  /** A clock time alone ("at 3pm"): today or tomorrow, unless the sentence names a day. */
  timeOnly?: boolean;
}

type Rule = { pattern: RegExp; resolve: (match: RegExpExecArray, today: Date, local: LocalDateTime) => Date | null; timeOfDay?: boolean };

function fridayOfWeek(today: Date): Date {
  const friday = addDays(mondayOfWeek(today), 4);
  return friday.getTime() < today.getTime() ? addDays(friday, 7) : friday;
}

const RULES: Rule[] = [
  {
    pattern: /\b(?:(?:the )?end of (?:the )?(?:business )?day|eod|e o d|close of business|end of business|cob)\b/g,
    resolve: (_match, today) => today,
    timeOfDay: true,
  },
  {
    pattern: /\b(?:end of today|tonight|today(?!'s)|this (?:morning|afternoon|evening))\b/g,
    resolve: (_match, today) => today,
  },
  {
    // "I'll send it over in the morning": said in the afternoon or evening, that is tomorrow morning.
    pattern: /\b(?:first thing )?in the morning\b/g,
    resolve: (_match, today, local) => (local.hour >= 10 ? addDays(today, 1) : today),
  },
  {
    pattern: /\b(?:the )?day after tomorrow\b/g,
    resolve: (_match, today) => addDays(today, 2),
  },
  {
    pattern: /\b(?:tomorrow|tmrw|tmr)\b/g,
    resolve: (_match, today) => addDays(today, 1),
  },
  {
    pattern: /\b(?:(?:the )?end of (?:the |this )?week|eow|e o w|(?:later |by |before the end of )?this week)\b/g,
    resolve: (_match, today) => fridayOfWeek(today),
  },
  {
    pattern: /\b(?:(?:the )?end of next week|later next week|late next week|(?:the )?end of the following week)\b/g,
    resolve: (_match, today) => addDays(mondayOfWeek(today), 11),
  },
  {
    pattern: /\b(?:mid|middle of) next week\b/g,
    resolve: (_match, today) => addDays(mondayOfWeek(today), 9),
  },
  {
    pattern: /\b(?:(?:early|beginning of|start of|first thing) )?next week\b/g,
    resolve: (_match, today) => addDays(mondayOfWeek(today), 7),
  },
  {
    pattern: /\b(?:(this|next|the|over the) )?weekend\b/g,
    resolve: (match, today) => {
      const saturday = addDays(mondayOfWeek(today), 5);
      if (match[1] === "next") return addDays(saturday, 7);
      // Said on the weekend itself, "this weekend" is today.
      return mondayIndex(today) >= 5 ? today : saturday;
    },
  },
  {
    pattern: /\b(?:(?:the )?end of (?:the |this )?month|eom|e o m)\b/g,
    resolve: (_match, today) => lastDayOfMonth(today.getUTCFullYear(), today.getUTCMonth() + 1),
  },
  {
    pattern: /\b(?:the )?end of next month\b/g,
    resolve: (_match, today) => lastDayOfMonth(today.getUTCFullYear(), today.getUTCMonth() + 2),
  },
  {
    pattern: /\b(?:(?:early|beginning of|start of) )?next month\b/g,
    resolve: (_match, today) => new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1)),
  },
  {
    pattern: /\b(?:(?:the )?end of (?:the |this )?quarter|eoq)\b/g,
    resolve: (_match, today) => {
      const quarterEndMonth = Math.floor(today.getUTCMonth() / 3) * 3 + 3;
      return lastDayOfMonth(today.getUTCFullYear(), quarterEndMonth);
    },
  },
  {
    pattern: /\b(?:(?:the )?end of (?:the |this )?year|eoy)\b/g,
    resolve: (_match, today) => civil(today.getUTCFullYear(), 12, 31),
  },
  {
    // A weekday with an optional qualifier. "this"/"coming" and bare differ only when said on that weekday.
    pattern: /(?<!\b(?:last|past|previous) )\b(?:(this|next|coming|the following|following) )?(monday|tuesday|tues|wednesday|weds|thursday|thurs|friday|saturday|sunday)\b(?: (?:of|in) (next|this) week\b)?/g,
    resolve: (match, today) => {
      const qualifier = match[3] ?? match[1];
      const target = WEEKDAYS[match[2] ?? ""];
      if (target === undefined) return null;
      const current = mondayIndex(today);
      if (qualifier === "next" || qualifier === "following" || qualifier === "the following") {
        return addDays(mondayOfWeek(today), 7 + target);
      }
      let delta = (target - current + 7) % 7;
      if (delta === 0 && qualifier !== "this") delta = 7;
      return addDays(today, delta);
    },
  },
  {
    // "on the 15th", "by the fifteenth", "before the 3rd": the next such day of a month.
    pattern: new RegExp(`\\b(?:on|by|before|until|till|due|for) the (?:(\\d{1,2})(?:st|nd|rd|th)|(${ORDINAL_WORD_PATTERN}))\\b(?! (?:of|quarter|week|time|option|one|thing|party|step|point|item|version|round|call)\\b)`, "g"),
    resolve: (match, today) => {
      const day = match[1] ? Number(match[1]) : ORDINAL_WORDS[match[2] ?? ""];
      if (!day || day > 31) return null;
      // Months from the recorded one: this month when the day is still ahead, skipping months too short for
      // the day ("the 31st" said in April → May 31st).
      let monthIndex = today.getUTCFullYear() * 12 + today.getUTCMonth() + (day < today.getUTCDate() ? 1 : 0);
      for (let i = 0; i < 12; i++, monthIndex++) {
        const candidate: Date = new Date(Date.UTC(Math.floor(monthIndex / 12), monthIndex % 12, day));
        if (candidate.getUTCDate() === day) return candidate;
      }
      return null;
    },
  },
];

/** Normalises text for the rules: lowercase, straight quotes, punctuation (but not `'` and `/`) to spaces. */
function normalizeForDates(text: string): string {
  return text
    .replace(/[\u2018\u2019]/g, "'")
    .toLowerCase()
    .replace(/\be\.o\.d\b\.?/g, "eod")
    .replace(/[^a-z0-9'/:\s]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/** Text chrono could read a date in; anything else skips the (comparatively slow) parse. */
const MAY_HOLD_DATE = /\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|day|week|month|year|hour|minute|tonight|tomorrow|noon|midnight|morning|afternoon|evening|night|fortnight|quarter/;

function chronoCandidates(text: string, local: LocalDateTime): Candidate[] {
  if (!MAY_HOLD_DATE.test(text)) return [];
  // The reference is the wall clock shifted into UTC with offset 0: chrono's components are then the call's
  // local calendar, whatever the server's own time zone is.
  const reference = { instant: new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second)), timezone: 0 };
  const results = chrono.casual.parse(text, reference, { forwardDate: true });
  const candidates: Candidate[] = [];
  for (const result of results) {
    const start = result.start;
    const tags = result.tags();
    const matched = result.text.toLowerCase();
    const relative = tags.has("result/relativeDate");
    if (tags.has("casualReference/now")) continue;
    if (tags.has("result/relativeDateAndTime")) {
      // "in an hour", "within 30 minutes" are today; "give me a second" is not a date.
      if (!/^(?:in|within)\b/.test(matched)) continue;
    } else if (!start.isCertain("day")) {
      const timeOnly = start.isCertain("hour") && !start.isCertain("month") && !start.isCertain("weekday");
      const relativeMonth = relative && start.isCertain("month");
      // Weekdays are the rules' job (chrono also reads "sat down" and "sun" as weekdays).
      if (!(timeOnly && /\d\s*(?:am|pm|a m|p m)\b|o'clock|\bnoon\b/.test(matched)) && !relativeMonth) continue;
    }
    const year = start.get("year");
    const month = start.get("month");
    const day = start.get("day");
    if (year === null || month === null || day === null) continue;
    // A bare time ("at 3pm") names no day: it yields to any day said in the same sentence.
    const timeOnly = !start.isCertain("day") && !start.isCertain("month") && !relative;
    candidates.push({ index: result.index, length: result.text.length, date: civil(year, month, day), ...(timeOnly ? { timeOnly: true } : {}) });
  }
  return candidates;
}

/**
 * Resolves the first date phrase in `text` to `YYYY-MM-DD` in `timeZone`, relative to `recordedAt` and never
 * before it; null when the text states no date.
 */
export function resolveDueDate(text: string, recordedAt: Date, timeZone = "UTC"): string | null {
  const normalized = normalizeForDates(text);
  if (normalized === "") return null;
  const local = localDateTime(recordedAt, timeZone);
  const today = civil(local.year, local.month, local.day);

  const candidates: Candidate[] = [];
  for (const rule of RULES) {
    rule.pattern.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = rule.pattern.exec(normalized)) !== null) {
      const date = rule.resolve(match, today, local);
      if (date) candidates.push({ index: match.index, length: match[0].length, date, ...(rule.timeOfDay ? { timeOfDay: true } : {}) });
    }
  }
  for (const candidate of chronoCandidates(normalized, local)) candidates.push(candidate);

  // The earliest phrase wins; at the same place the longer one ("end of next week" over "next week"), then the
  // rules (listed first) over chrono.
  // A phrase about the past ("yesterday", "last Friday") is not a due date; a later phrase may be.
  let upcoming = candidates.filter((candidate) => candidate.date.getTime() >= today.getTime());
  if (upcoming.some((candidate) => !candidate.timeOnly)) upcoming = upcoming.filter((candidate) => !candidate.timeOnly);
  let best: Candidate | null = null;
  for (const candidate of upcoming) {
    // "end of day tomorrow" / "EOD on Friday": the day named right after the time of day.
    if (candidate.timeOfDay) {
      const end = candidate.index + candidate.length;
      if (upcoming.some((other) => other.index >= end && other.index <= end + 4 && !other.timeOfDay)) continue;
    }
    if (!best || candidate.index < best.index || (candidate.index === best.index && candidate.length > best.length)) best = candidate;
  }
  return best ? formatDate(best.date) : null;
}
