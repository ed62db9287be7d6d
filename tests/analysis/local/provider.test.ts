import { describe, expect, it } from "vitest";
import { LocalAnalysisProvider } from "@/lib/analysis/local";
import { CORPUS } from "./corpus";
import { call, speaker, transcript } from "./helpers";

describe("LocalAnalysisProvider", () => {
  const provider = new LocalAnalysisProvider();

  it("names itself", () => {
    expect(provider.name).toBe("local");
    expect(provider.model).toBe("rules-v1");
  });

  it("returns an empty result for a transcript without words", async () => {
    await expect(provider.analyze({ transcript: transcript([]), call: call() })).resolves.toEqual({ summary: "", actionItems: [] });
  });

  it("is deterministic and cites only segments that exist", async () => {
    const lines: [string, string][] = CORPUS.map((entry, index) => [index % 3 === 0 ? "B" : "A", entry.text]);
    const t = transcript(lines, [speaker("A", "Alice", "SELF"), speaker("B", "Sam", "COUNTERPARTY")]);
    const first = await provider.analyze({ transcript: t, call: call() });
    const second = await provider.analyze({ transcript: structuredClone(t), call: call() });
    expect(second).toEqual(first);
    expect(first.summary).not.toBe("");
    expect(first.actionItems.length).toBeGreaterThan(40);
    const ids = new Set(t.segments.map((segment) => segment.id));
    const speakers = new Set(t.speakers.map((s) => s.id));
    for (const item of first.actionItems) {
      expect(item.sourceSegmentIds.length).toBeGreaterThan(0);
      for (const id of item.sourceSegmentIds) expect(ids.has(id)).toBe(true);
      if (item.ownerSpeakerId !== null) expect(speakers.has(item.ownerSpeakerId)).toBe(true);
      expect(item.title.length).toBeGreaterThan(0);
      expect(item.title.length).toBeLessThanOrEqual(200);
      expect(item.dueDate === null || /^\d{4}-\d{2}-\d{2}$/.test(item.dueDate)).toBe(true);
      expect(["low", "medium", "high"]).toContain(item.priority);
      expect(item.sourceText.length).toBeGreaterThan(0);
    }
  });

  it("handles a two-hour transcript (1,200 segments)", async () => {
    const lines: [string, string][] = [];
    for (let i = 0; i < 1200; i++) {
      const entry = CORPUS[i % CORPUS.length]!;
      const text = i % 2 ? entry.text.toLowerCase().replace(/[.,?!]/g, "") : entry.text;
      lines.push([i % 2 ? "A" : "B", `${text} and the quarterly numbers look fine`]);
    }
    const result = await provider.analyze({ transcript: transcript(lines), call: call() });
    expect(result.actionItems.length).toBeGreaterThan(0);
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(provider.analyze({ transcript: transcript([["A", "I'll send it."]]), call: call() }, { signal: controller.signal })).rejects.toThrow("stop");
  });
});
