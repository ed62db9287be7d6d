import { describe, expect, it } from "vitest";
import {
  CSV_COLUMNS,
  actionItemsToCsv,
  actionItemsToIcs,
  exportFileName,
  foldIcsLine,
} from "@/lib/action-items/export";
import type { ActionItemJson } from "@/lib/action-items/types";

const NOW = new Date("2026-11-28T09:30:15.123Z");
const BOM = "\uFEFF";

function item(overrides: Partial<ActionItemJson> = {}): ActionItemJson {
  return {
    id: "item-1",
    callId: "call-1",
    title: "Send the proposal",
    description: "Include pricing",
    dueDate: "2026-12-01",
    priority: "high",
    status: "OPEN",
    snoozedUntil: null,
    owner: { speakerId: "A", label: "Speaker 1", displayName: "Alice", role: "SELF" },
    sourceSegmentIds: ["s1"],
    sourceText: "I'll send the proposal by Tuesday",
    origin: "GENERATED",
    userModified: false,
    createdAt: "2026-11-20T10:00:00.000Z",
    updatedAt: "2026-11-21T11:00:00.000Z",
    completedAt: null,
    call: { id: "call-1", title: "Acme renewal", recordedAt: "2026-11-20T09:00:00.000Z", contactName: "Bob" },
    ...overrides,
  };
}

/** A minimal RFC 4180 parser (quoted fields, doubled quotes, CRLF records) to read the CSV back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      row.push(field);
      field = "";
    } else if (char === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += char;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

function csvRows(items: ActionItemJson[]): string[][] {
  const csv = actionItemsToCsv(items);
  expect(csv.startsWith(BOM)).toBe(true);
  return parseCsv(csv.slice(1));
}

describe("actionItemsToCsv", () => {
  it("starts with a UTF-8 BOM and writes the header in order", () => {
    const csv = actionItemsToCsv([item()]);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(Buffer.from(csv, "utf8").subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.slice(1).split("\r\n")[0]).toBe(
      "Title,Description,Status,Priority,Due date,Owner,Owner role,Call,Call date,Source,Completed at,Snoozed until,Item id,Call id",
    );
    expect(CSV_COLUMNS).toHaveLength(14);
  });

  it("writes one row per item with the documented values", () => {
    const rows = csvRows([
      item(),
      item({
        id: "item-2",
        title: "Call back",
        description: null,
        dueDate: null,
        status: "DONE",
        priority: "low",
        completedAt: "2026-11-22T08:00:00.000Z",
        owner: { speakerId: null, label: null, displayName: null, role: "UNKNOWN" },
        sourceText: null,
        call: undefined,
        callId: "call-9",
      }),
      item({ id: "item-3", owner: { speakerId: "B", label: "Speaker 2", displayName: null, role: "COUNTERPARTY" }, status: "SNOOZED", snoozedUntil: "2026-12-05T00:00:00.000Z" }),
    ]);
    expect(rows).toHaveLength(4);
    expect(rows.every((row) => row.length === 14)).toBe(true);
    expect(rows[1]).toEqual([
      "Send the proposal",
      "Include pricing",
      "OPEN",
      "high",
      "2026-12-01",
      "Alice",
      "SELF",
      "Acme renewal",
      "2026-11-20",
      "I'll send the proposal by Tuesday",
      "",
      "",
      "item-1",
      "call-1",
    ]);
    expect(rows[2]).toEqual(["Call back", "", "DONE", "low", "", "", "UNKNOWN", "", "", "", "2026-11-22T08:00:00.000Z", "", "item-2", "call-9"]);
    expect(rows[3]![5]).toBe("Speaker 2");
    expect(rows[3]![6]).toBe("COUNTERPARTY");
    expect(rows[3]![11]).toBe("2026-12-05T00:00:00.000Z");
  });

  it("quotes commas, quotes and line breaks, and reads back to the same text", () => {
    const description = 'Say "hello", then\nfollow up\r\nnext week';
    const csv = actionItemsToCsv([item({ title: "Pricing, terms", description })]);
    expect(csv).toContain('"Pricing, terms"');
    expect(csv).toContain('"Say ""hello"", then\nfollow up\r\nnext week"');
    const rows = parseCsv(csv.slice(1));
    expect(rows).toHaveLength(2);
    expect(rows[1]![0]).toBe("Pricing, terms");
    expect(rows[1]![1]).toBe(description);
  });

  it("keeps accents and other non-ASCII text intact", () => {
    const rows = csvRows([item({ title: "Réunion à Zürich — 東京", owner: { speakerId: "A", label: null, displayName: "Zoë", role: "SELF" } })]);
    expect(rows[1]![0]).toBe("Réunion à Zürich — 東京");
    expect(rows[1]![5]).toBe("Zoë");
  });

  it("neutralises spreadsheet formulas with a leading apostrophe", () => {
    const rows = csvRows([
      item({
        title: "=HYPERLINK(\"http://evil\",\"x\")",
        description: "+1+2",
        sourceText: "-2+3",
        owner: { speakerId: "A", label: null, displayName: "@SUM(A1:A2)", role: "SELF" },
        call: { id: "call-1", title: "\tcmd", recordedAt: "2026-11-20T09:00:00.000Z", contactName: null },
      }),
      item({ id: "item-2", title: "\rcmd|' /C calc'!A0", description: "a = b, fine" }),
    ]);
    expect(rows[1]![0]).toBe("'=HYPERLINK(\"http://evil\",\"x\")");
    expect(rows[1]![1]).toBe("'+1+2");
    expect(rows[1]![9]).toBe("'-2+3");
    expect(rows[1]![5]).toBe("'@SUM(A1:A2)");
    expect(rows[1]![7]).toBe("'\tcmd");
    expect(rows[2]![0]).toBe("'\rcmd|' /C calc'!A0");
    // Only the first character counts.
    expect(rows[2]![1]).toBe("a = b, fine");
  });

  it("writes only the BOM and the header for an empty list", () => {
    const csv = actionItemsToCsv([]);
    expect(csv).toBe(`${BOM}${CSV_COLUMNS.join(",")}\r\n`);
  });
});

/** Unfolds an iCalendar text into its content lines (RFC 5545 §3.1). */
function contentLines(ics: string): string[] {
  const lines = ics.replace(/\r\n[ \t]/g, "").split("\r\n");
  expect(lines.pop()).toBe("");
  return lines;
}

/** Reads the events back: each VEVENT as a map of property name (with parameters) → value. */
function events(ics: string): Map<string, string>[] {
  const result: Map<string, string>[] = [];
  let current: Map<string, string> | null = null;
  for (const line of contentLines(ics)) {
    if (line === "BEGIN:VEVENT") current = new Map();
    else if (line === "END:VEVENT") {
      result.push(current!);
      current = null;
    } else if (current) {
      const colon = line.indexOf(":");
      current.set(line.slice(0, colon), line.slice(colon + 1));
    }
  }
  return result;
}

/** Structural checks every calendar must pass: CRLF only, ≤ 75 octets per line, balanced BEGIN/END. */
function expectValidCalendar(ics: string): string[] {
  expect(ics.endsWith("\r\n")).toBe(true);
  expect(ics.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
  for (const physical of ics.split("\r\n")) expect(Buffer.byteLength(physical, "utf8")).toBeLessThanOrEqual(75);
  const lines = contentLines(ics);
  expect(lines[0]).toBe("BEGIN:VCALENDAR");
  expect(lines.at(-1)).toBe("END:VCALENDAR");
  expect(lines).toContain("VERSION:2.0");
  expect(lines).toContain("PRODID:-//Scryon//Action items//EN");
  expect(lines).toContain("X-WR-CALNAME:Scryon action items");
  const stack: string[] = [];
  for (const line of lines) {
    expect(line).toMatch(/^[A-Z][A-Z0-9-]*[;:]/);
    if (line.startsWith("BEGIN:")) stack.push(line.slice(6));
    if (line.startsWith("END:")) expect(stack.pop()).toBe(line.slice(4));
  }
  expect(stack).toEqual([]);
  return lines;
}

describe("actionItemsToIcs", () => {
  it("writes one all-day event per item with a due date", () => {
    const ics = actionItemsToIcs([item()], { appBaseUrl: "https://app.scryon.test/", now: NOW });
    expectValidCalendar(ics);
    const [event, ...rest] = events(ics);
    expect(rest).toHaveLength(0);
    expect(event!.get("UID")).toBe("item-1@scryon");
    expect(event!.get("SUMMARY")).toBe("Send the proposal");
    expect(event!.get("DTSTART;VALUE=DATE")).toBe("20261201");
    expect(event!.get("DTEND;VALUE=DATE")).toBe("20261202");
    expect(event!.get("DTSTAMP")).toBe("20261128T093015Z");
    expect(event!.get("STATUS")).toBe("CONFIRMED");
    expect(event!.get("TRANSP")).toBe("TRANSPARENT");
    expect(event!.get("URL")).toBe("https://app.scryon.test/calls/call-1");
    expect(event!.get("LAST-MODIFIED")).toBe("20261121T110000Z");
    const description = event!.get("DESCRIPTION")!;
    expect(description).toContain("Include pricing");
    expect(description).toContain("Owner: Alice");
    expect(description).toContain("Call: Acme renewal (2026-11-20)");
    expect(description).toContain("I'll send the proposal by Tuesday");
    expect(description).toContain("https://app.scryon.test/calls/call-1");
  });

  it("rolls DTEND over month and year ends", () => {
    const ics = actionItemsToIcs([item({ dueDate: "2026-12-31" }), item({ id: "item-2", dueDate: "2028-02-28" })], { now: NOW });
    const [dec, feb] = events(ics);
    expect(dec!.get("DTEND;VALUE=DATE")).toBe("20270101");
    expect(feb!.get("DTEND;VALUE=DATE")).toBe("20280229");
  });

  it("skips items without a (valid) due date and leaves out URL without appBaseUrl", () => {
    const ics = actionItemsToIcs(
      [item({ id: "a", dueDate: null }), item({ id: "b" }), item({ id: "c", dueDate: "2026-02-30" }), item({ id: "d", dueDate: "soon" })],
      { now: NOW },
    );
    expectValidCalendar(ics);
    const all = events(ics);
    expect(all.map((event) => event.get("UID"))).toEqual(["b@scryon"]);
    expect(all[0]!.has("URL")).toBe(false);
  });

  it("keeps UIDs stable across exports", () => {
    const first = events(actionItemsToIcs([item(), item({ id: "item-2" })], { now: NOW }));
    const second = events(actionItemsToIcs([item({ id: "item-2", title: "Renamed" }), item()], { now: new Date("2027-01-01T00:00:00Z") }));
    expect(first.map((event) => event.get("UID"))).toEqual(["item-1@scryon", "item-2@scryon"]);
    expect(second.map((event) => event.get("UID"))).toEqual(["item-2@scryon", "item-1@scryon"]);
  });

  it("marks done items in the summary and keeps them confirmed", () => {
    const [event] = events(actionItemsToIcs([item({ status: "DONE", completedAt: "2026-11-25T00:00:00Z" })], { now: NOW }));
    expect(event!.get("SUMMARY")).toBe("Send the proposal (done)");
    expect(event!.get("STATUS")).toBe("CONFIRMED");
  });

  it("escapes commas, semicolons, backslashes and line breaks in text", () => {
    const ics = actionItemsToIcs(
      [item({ title: "Price; terms, and C:\\path", description: "Line one\nLine two\r\nLine three\rLine four", sourceText: null })],
      { now: NOW },
    );
    expectValidCalendar(ics);
    const [event] = events(ics);
    expect(event!.get("SUMMARY")).toBe("Price\\; terms\\, and C:\\\\path");
    expect(event!.get("DESCRIPTION")).toMatch(/^Line one\\nLine two\\nLine three\\nLine four\\n\\nOwner: Alice\\nCall: Acme renewal/);
  });

  it("folds long lines at 75 octets without splitting characters, with CRLF endings", () => {
    const title = `Réunion à Zürich ${"東京 — café ".repeat(20)}😀 end`;
    const ics = actionItemsToIcs([item({ title })], { now: NOW });
    expectValidCalendar(ics);
    const physical = ics.split("\r\n");
    const summaryStart = physical.findIndex((line) => line.startsWith("SUMMARY:"));
    expect(physical[summaryStart + 1]!.startsWith(" ")).toBe(true);
    expect(physical.some((line) => Buffer.byteLength(line) > 70)).toBe(true);
    // No replacement characters: every physical line is well-formed UTF-8 on its own.
    for (const line of physical) expect(Buffer.from(line, "utf8").toString("utf8")).toBe(line);
    expect(events(ics)[0]!.get("SUMMARY")).toBe(title.trim());
  });

  it("folds ASCII at exactly 75 octets, continuation lines start with one space", () => {
    const folded = foldIcsLine(`SUMMARY:${"x".repeat(200)}`).split("\r\n");
    expect(folded[0]).toHaveLength(75);
    expect(folded[1]).toHaveLength(75);
    expect(folded[1]!.startsWith(" x")).toBe(true);
    expect(folded.map((line, index) => (index === 0 ? line : line.slice(1))).join("")).toBe(`SUMMARY:${"x".repeat(200)}`);
    expect(foldIcsLine("SHORT:1")).toBe("SHORT:1");
  });

  it("yields a valid calendar with no events for an empty list or none with due dates", () => {
    for (const items of [[], [item({ dueDate: null })]]) {
      const ics = actionItemsToIcs(items, { now: NOW });
      const lines = expectValidCalendar(ics);
      expect(lines).not.toContain("BEGIN:VEVENT");
      expect(events(ics)).toEqual([]);
    }
  });

  it("throws a clear error when ics rejects the input", () => {
    expect(() => actionItemsToIcs([item()], { appBaseUrl: "not a url", now: NOW })).toThrow(/Could not build the action-items calendar/);
  });
});

describe("exportFileName", () => {
  it("names the file by kind and UTC day", () => {
    expect(exportFileName("csv", new Date("2026-11-28T23:59:59Z"))).toBe("scryon-action-items-2026-11-28.csv");
    expect(exportFileName("ics", new Date("2026-01-05T00:00:00Z"))).toBe("scryon-action-items-2026-01-05.ics");
  });
});
