import { describe, expect, it } from "vitest";
import { extractActionItems } from "@/lib/analysis/local";
import { call, speaker, transcript } from "./helpers";
import { HELD_OUT } from "./heldout";

const SPEAKERS = [speaker("A", "Alice", "SELF"), speaker("B", "Sam", "COUNTERPARTY")];

describe("action items on the held-out set (never used for tuning)", () => {
  it("keeps precision ≥ 0.85 and recall ≥ 0.8, owners and dates ≥ 0.8, and reports the figures", () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let ownerRight = 0;
    let stated = 0;
    let datesRight = 0;
    const misses: string[] = [];
    for (const entry of HELD_OUT) {
      const t = transcript([["A", entry.text], ["B", "okay"]], SPEAKERS);
      const items = extractActionItems({ transcript: t, call: call() }).filter((item) => item.sourceSegmentIds.includes("s0001"));
      if (!entry.action) {
        if (items.length > 0) {
          fp++;
          misses.push(`FP  ${entry.text}`);
        }
        continue;
      }
      if (items.length === 0) {
        fn++;
        misses.push(`FN  ${entry.text}`);
        continue;
      }
      tp++;
      const expected = entry.owner === "speaker" ? "A" : entry.owner === "addressee" ? "B" : null;
      if (items[0]!.ownerSpeakerId === expected) ownerRight++;
      else misses.push(`OWN ${entry.text} → ${items[0]!.ownerSpeakerId}`);
      if (entry.due) {
        stated++;
        if (items[0]!.dueDate === entry.due) datesRight++;
        else misses.push(`DUE ${entry.text} → ${items[0]!.dueDate} (expected ${entry.due})`);
      }
    }
    const precision = tp / (tp + fp);
    const recall = tp / (tp + fn);
    console.log(
      `held-out n=${HELD_OUT.length} | precision ${precision.toFixed(3)} | recall ${recall.toFixed(3)} | owner ${(ownerRight / tp).toFixed(3)} | due ${datesRight}/${stated}\n${misses.join("\n")}`,
    );
    expect(precision).toBeGreaterThanOrEqual(0.85);
    expect(recall).toBeGreaterThanOrEqual(0.8);
    expect(ownerRight / tp).toBeGreaterThanOrEqual(0.8);
    expect(datesRight / stated).toBeGreaterThanOrEqual(0.8);
  });
});
