import { describe, expect, it } from "vitest";
import { MAX_TITLE_LENGTH, extractActionItems, shapeTitle, splitSentences } from "@/lib/analysis/local";
import type { AnalysisCallContext } from "@/lib/analysis/types";
import type { NormalizedTranscript } from "@/lib/transcript/normalize";
import { call, speaker, transcript } from "./helpers";

const extract = (t: NormalizedTranscript, overrides: Partial<AnalysisCallContext> = {}) => extractActionItems({ transcript: t, call: call(overrides) });

describe("splitSentences", () => {
  it("splits punctuated text at sentence ends, keeping abbreviations and decimals", () => {
    expect(splitSentences("Dr. Smith will call. Then we'll see! OK?")).toEqual(["Dr. Smith will call.", "Then we'll see!", "OK?"]);
    expect(splitSentences("The fee is 3.5 percent. Fine.")).toEqual(["The fee is 3.5 percent.", "Fine."]);
    expect(splitSentences("It ships e.g. next week")).toEqual(["It ships e.g. next week"]);
  });

  it("leaves unpunctuated text whole", () => {
    expect(splitSentences("okay thanks i will send it tomorrow")).toEqual(["okay thanks i will send it tomorrow"]);
    expect(splitSentences("   ")).toEqual([]);
  });
});

describe("shapeTitle", () => {
  it("capitalises, strips edge punctuation and capitalises the pronoun I", () => {
    expect(shapeTitle(["send", "what", "i", "showed", "you", "today?"])).toEqual({ title: "Send what I showed you today", shortened: false });
    expect(shapeTitle(["—", "review", "the", "contract,"]).title).toBe("Review the contract");
  });

  it("cuts long titles at a word boundary with an ellipsis", () => {
    const words = "put together a detailed comparison of the three vendors covering pricing support response times data residency integrations and the migration plan for every regional team".split(" ");
    const { title, shortened } = shapeTitle(words);
    expect(shortened).toBe(true);
    expect(title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    expect(title.endsWith("…")).toBe(true);
    expect(words.join(" ").startsWith(title.slice(0, -1).toLowerCase())).toBe(true);
  });
});

describe("owners", () => {
  const two = [speaker("A", "Alice", "SELF"), speaker("B", "Sam", "COUNTERPARTY")];

  it("gives a commitment to its speaker and a request to the other party of a two-party call", () => {
    const items = extract(
      transcript(
        [
          ["A", "I'll send you the revised proposal by Friday."],
          ["A", "Can you review the security questionnaire?"],
          ["B", "Sure."],
        ],
        two,
      ),
    );
    expect(items.map((item) => [item.title, item.ownerSpeakerId])).toEqual([
      ["Send you the revised proposal by Friday", "A"],
      ["Review the security questionnaire", "B"],
    ]);
  });

  it("gives a proposal ('let's', 'we need to') to its speaker, and 'someone needs to' to nobody", () => {
    const items = extract(
      transcript(
        [
          ["B", "Let's schedule a follow-up call next Tuesday."],
          ["A", "We need to finalize the budget before the end of the month."],
          ["B", "Someone needs to update the status page."],
        ],
        two,
      ),
    );
    expect(items.map((item) => item.ownerSpeakerId)).toEqual(["B", "A", null]);
  });

  it("gives a request in a larger call to the next other speaker, or null when nobody answers", () => {
    const three = [speaker("A", "Alice"), speaker("B", "Sam"), speaker("C", "Chris")];
    const items = extract(
      transcript(
        [
          ["A", "Could you send the logs from the outage?"],
          ["A", "They'd really help."],
          ["C", "Yes, no problem."],
          ["B", "Please update the runbook too."],
        ],
        three,
      ),
    );
    expect(items.map((item) => [item.title, item.ownerSpeakerId])).toEqual([
      ["Send the logs from the outage", "C"],
      ["Update the runbook", null],
    ]);
  });

  it("counts only speakers who said something when deciding it is a two-party call", () => {
    const silent = [speaker("A", "Alice"), speaker("B", "Sam"), speaker("C", "Chris")];
    const items = extract(transcript([["A", "Can you send me the deck?"]].concat([["B", "ok"]]) as [string, string][], silent));
    expect(items[0]?.ownerSpeakerId).toBe("B");
  });

  it("gives a request to the speaker it names", () => {
    const three = [speaker("A", "Alice"), speaker("B", "Sam"), speaker("C", "Chris Doe")];
    const items = extract(
      transcript(
        [
          ["A", "Chris, can you send the signed contract?"],
          ["B", "I can chase legal."],
          ["A", "sam can you loop in your finance team"],
          ["C", "Sure."],
          ["A", "Could you book the room for Thursday, Chris?"],
          ["B", "ok"],
        ],
        three,
      ),
    );
    expect(items.map((item) => [item.title, item.ownerSpeakerId])).toEqual([
      ["Send the signed contract", "C"],
      ["Chase legal", "B"],
      ["Loop in your finance team", "B"],
      ["Book the room for Thursday", "C"],
    ]);
  });

  it("gives 'Sam will…' to Sam, and names someone not on the call in the title", () => {
    const items = extract(
      transcript(
        [
          ["A", "Sam will send the updated roadmap tomorrow."],
          ["B", "And Jordan will review the pricing sheet."],
        ],
        [speaker("A", "Alice", "SELF"), speaker("B", "Sam Lee", "COUNTERPARTY")],
      ),
      { contactName: "Jordan Price" },
    );
    expect(items.map((item) => [item.title, item.ownerSpeakerId])).toEqual([
      ["Send the updated roadmap tomorrow", "B"],
      ["Jordan to review the pricing sheet", null],
    ]);
  });

  it("uses the call's contact name for the one unnamed counterparty", () => {
    const items = extract(
      transcript([["A", "Jordan will review the pricing sheet."], ["B", "Will do."]], [speaker("A", "Alice", "SELF"), speaker("B", null, "COUNTERPARTY")]),
      { contactName: "Jordan Price" },
    );
    expect(items.map((item) => [item.title, item.ownerSpeakerId])).toEqual([["Review the pricing sheet", "B"]]);
  });
});

describe("extraction", () => {
  const two = [speaker("A", "Alice"), speaker("B", "Sam")];

  it("shapes titles: cue words gone, helpers skipped, keeps 'Let me know' and 'Make sure' when they are the task", () => {
    const items = extract(
      transcript(
        [
          ["A", "Could you please make sure to send the invoice?"],
          ["A", "I'll go ahead and cancel the duplicate order."],
          ["A", "Let me know by Friday whether you want to proceed."],
          ["A", "Make sure the contract is countersigned before the kickoff."],
          ["A", "Send me the deck, please."],
          ["B", "ok"],
        ],
        two,
      ),
    );
    expect(items.map((item) => item.title)).toEqual([
      "Send the invoice",
      "Cancel the duplicate order",
      "Let me know by Friday whether you want to proceed",
      "Make sure the contract is countersigned before the kickoff",
      "Send me the deck",
    ]);
    expect(items.every((item) => item.description === null)).toBe(true);
  });

  it("keeps the full sentence as description when the title was shortened", () => {
    const sentence =
      "I'll put together a detailed comparison of the three vendors covering pricing, support response times, data residency, integrations and the migration plan for every regional team.";
    const [item] = extract(transcript([["A", sentence], ["B", "great"]], two));
    expect(item!.title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    expect(item!.title.endsWith("…")).toBe(true);
    expect(item!.description).toBe(sentence);
    expect(item!.sourceText).toBe(sentence);
  });

  it("splits an unpunctuated segment where a second cue starts", () => {
    const items = extract(transcript([["A", "okay thanks i will send it tomorrow and can you review the draft by friday"], ["B", "sure"]], two));
    expect(items).toEqual([
      {
        title: "Send it tomorrow",
        description: null,
        dueDate: "2026-03-05",
        priority: "high",
        ownerSpeakerId: "A",
        sourceSegmentIds: ["s0001"],
        sourceText: "okay thanks i will send it tomorrow",
      },
      {
        title: "Review the draft by friday",
        description: null,
        dueDate: "2026-03-06",
        priority: "medium",
        ownerSpeakerId: "B",
        sourceSegmentIds: ["s0001"],
        sourceText: "can you review the draft by friday",
      },
    ]);
  });

  it("joins a punctuated sentence that a pause split across segments and cites both", () => {
    const items = extract(
      transcript(
        [
          ["A", "Great. I'll send you the"],
          ["A", "revised proposal by Friday."],
          ["B", "Thanks."],
        ],
        two,
      ),
    );
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      title: "Send you the revised proposal by Friday",
      sourceSegmentIds: ["s0001", "s0002"],
      sourceText: "I'll send you the revised proposal by Friday.",
      dueDate: "2026-03-06",
    });
  });

  it("rejects small talk, fillers, past tense, hypotheticals and fragments", () => {
    const items = extract(
      transcript(
        [
          ["A", "Let's see. Let me think. I'll be honest, it was a long week."],
          ["B", "Can you hear me? Talk soon. I'll take that. Could you repeat that?"],
          ["A", "I sent it yesterday. Can you believe it? If we had the budget we should hire someone."],
          ["B", "I'll do it. Let's do that. I'll let you go."],
        ],
        two,
      ),
    );
    expect(items).toEqual([]);
  });

  it("resolves due dates and priorities in the call's time zone", () => {
    const items = extract(
      transcript([["A", "I'll send the signed copy tomorrow."], ["A", "No rush, but can you check the totals by Friday?"], ["B", "ok"]], two),
      { recordedAt: new Date("2026-03-05T05:30:00Z"), timeZone: "America/Los_Angeles" },
    );
    expect(items.map((item) => [item.dueDate, item.priority])).toEqual([
      ["2026-03-05", "high"],
      ["2026-03-06", "low"],
    ]);
  });
});

describe("deduplication", () => {
  const two = [speaker("A", "Alice"), speaker("B", "Sam")];

  it("drops a repeat with the same owner and title, anywhere in the call", () => {
    const items = extract(
      transcript(
        [
          ["A", "I'll send the renewal pricing."],
          ["B", "Great, thanks."],
          ["B", "Let's talk about the roadmap."],
          ["A", "Sure."],
          ["A", "So, again, I'll send the renewal pricing by Friday."],
        ],
        two,
      ),
    );
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ title: "Send the renewal pricing", ownerSpeakerId: "A", dueDate: null });
    expect(items[1]).toMatchObject({ title: "Send the renewal pricing by Friday", ownerSpeakerId: "A", dueDate: "2026-03-06" });
  });

  it("takes the due date a later exact repeat adds", () => {
    const lines: [string, string][] = [["A", "I'll send you the deck."]];
    for (let i = 0; i < 3; i++) lines.push(["B", `Filler line number ${i} about the weather.`]);
    lines.push(["A", "By Friday, I'll send the deck."]);
    const items = extract(transcript(lines, two));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ title: "Send you the deck", dueDate: "2026-03-06", sourceSegmentIds: ["s0001"] });
  });

  it("drops a request answered by the same commitment (normalized titles match)", () => {
    const items = extract(
      transcript(
        [
          ["A", "Can you send me the deck?"],
          ["B", "Yes, I'll send you the deck."],
          ["B", "Also I'll send the deck to your CFO tomorrow."],
        ],
        two,
      ),
    );
    expect(items.map((item) => [item.title, item.ownerSpeakerId])).toEqual([
      ["Send me the deck", "B"],
      ["Send the deck to your CFO tomorrow", "B"],
    ]);
  });

  it("keeps the more specific of two near-identical items in adjacent segments", () => {
    const items = extract(
      transcript(
        [
          ["A", "Can you review the contract?"],
          ["B", "Yes, I'll review the contract by Monday."],
        ],
        two,
      ),
    );
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ title: "Review the contract by Monday", ownerSpeakerId: "B", dueDate: "2026-03-09", sourceSegmentIds: ["s0002"] });
  });

  it("keeps the same task for different owners far apart", () => {
    const lines: [string, string][] = [["A", "I'll update the forecast."]];
    for (let i = 0; i < 5; i++) lines.push(["B", `Filler line number ${i} about the weather.`]);
    lines.push(["B", "I'll update the forecast."]);
    expect(extract(transcript(lines, two)).map((item) => item.ownerSpeakerId)).toEqual(["A", "B"]);
  });
});

describe("spoken text", () => {
  it("drops hesitations and stutters from titles", () => {
    expect(shapeTitle("send uh the the security documentation um".split(" ")).title).toBe("Send the security documentation");
  });
});

describe("questions and statements", () => {
  const two = [speaker("A", "Alice"), speaker("B", "Sam")];
  it("tells 'you can let me know…' (a request) from 'what can we…' (a question)", () => {
    const items = extract(
      transcript(
        [
          ["A", "You can let me know by Friday which option you prefer."],
          ["A", "What should we do about the delay?"],
          ["A", "Do we need to loop in procurement?"],
          ["B", "ok"],
        ],
        two,
      ),
    );
    expect(items.map((item) => [item.title, item.ownerSpeakerId, item.dueDate])).toEqual([["Let me know by Friday which option you prefer", "B", "2026-03-06"]]);
  });
});

describe("names at the end of a request", () => {
  it("reads a name after a comma as the addressee, and 'to Sam' as the object", () => {
    const three = [speaker("A", "Alice"), speaker("B", "Sam"), speaker("C", "Chris")];
    const items = extract(
      transcript(
        [
          ["A", "Can you send the contract to Sam?"],
          ["C", "Sure."],
          ["A", "Could you book the room for Thursday, Sam?"],
          ["C", "ok"],
        ],
        three,
      ),
    );
    expect(items.map((item) => [item.title, item.ownerSpeakerId])).toEqual([
      ["Send the contract to Sam", "C"],
      ["Book the room for Thursday", "B"],
    ]);
  });
});
