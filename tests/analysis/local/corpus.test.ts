import { describe, expect, it } from "vitest";
import { extractActionItems } from "@/lib/analysis/local";
import { CORPUS } from "./corpus";
import { call, speaker, transcript } from "./helpers";

const SPEAKERS = [speaker("A", "Alice", "SELF"), speaker("B", "Sam", "COUNTERPARTY")];

function analyse(text: string) {
  // The sentence, then a reply from the other side: a two-party call.
  const t = transcript(
    [
      ["A", text],
      ["B", "okay"],
    ],
    SPEAKERS,
  );
  return extractActionItems({ transcript: t, call: call() }).filter((item) => item.sourceSegmentIds.includes("s0001"));
}

describe("action item corpus", () => {
  const results = CORPUS.map((entry) => ({ entry, items: analyse(entry.text) }));

  it("has enough sentences of each kind", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(80);
    expect(CORPUS.filter((entry) => entry.action).length).toBeGreaterThanOrEqual(45);
    expect(CORPUS.filter((entry) => !entry.action).length).toBeGreaterThanOrEqual(35);
    expect(CORPUS.filter((entry) => entry.text === entry.text.toLowerCase() && !/[.,?!]/.test(entry.text)).length).toBeGreaterThanOrEqual(20);
  });

  it("detects action items with precision ≥ 0.9 and recall ≥ 0.85, owners and due dates ≥ 0.85", () => {
    let truePositives = 0;
    let falsePositives = 0;
    let falseNegatives = 0;
    let ownerRight = 0;
    let datesStated = 0;
    let datesRight = 0;
    const misses: string[] = [];
    for (const { entry, items } of results) {
      const detected = items.length > 0;
      if (!entry.action) {
        if (detected) {
          falsePositives++;
          misses.push(`FP  ${entry.text} → ${items.map((item) => item.title).join(" | ")}`);
        }
        continue;
      }
      if (!detected) {
        falseNegatives++;
        misses.push(`FN  ${entry.text}`);
        continue;
      }
      truePositives++;
      const item = items[0]!;
      const expectedOwner = entry.owner === "speaker" ? "A" : entry.owner === "addressee" ? "B" : null;
      if (item.ownerSpeakerId === expectedOwner) ownerRight++;
      else misses.push(`OWN ${entry.text} → ${item.ownerSpeakerId} (expected ${expectedOwner})`);
      if (entry.due) {
        datesStated++;
        if (item.dueDate === entry.due) datesRight++;
        else misses.push(`DUE ${entry.text} → ${item.dueDate} (expected ${entry.due})`);
      }
    }
    const precision = truePositives / (truePositives + falsePositives);
    const recall = truePositives / (truePositives + falseNegatives);
    const ownerAccuracy = ownerRight / truePositives;
    const dueAccuracy = datesRight / datesStated;
    console.log(
      `corpus n=${CORPUS.length} | precision ${precision.toFixed(3)} | recall ${recall.toFixed(3)} | owner ${ownerAccuracy.toFixed(3)} | due ${dueAccuracy.toFixed(3)} (${datesRight}/${datesStated})`,
    );
    if (misses.length > 0) console.log(misses.join("\n"));
    expect(precision).toBeGreaterThanOrEqual(0.9);
    expect(recall).toBeGreaterThanOrEqual(0.85);
    expect(ownerAccuracy).toBeGreaterThanOrEqual(0.85);
    expect(dueAccuracy).toBeGreaterThanOrEqual(0.85);
  });
});
