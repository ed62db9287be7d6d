import { describe, expect, it } from "vitest";
import { formatBytes, formatSpeed, formatTimeLeft, percentDone } from "@/components/settings/speech/format";

describe("download progress numbers", () => {
  it("sizes, speed and time left read as people say them", () => {
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(40_257_283)).toBe("40.3 MB");
    expect(formatBytes(1_500_000_000)).toBe("1.50 GB");
    expect(formatSpeed(4_100_000)).toBe("4.1 MB/s");
    expect(formatSpeed(null)).toBeNull();
    expect(formatSpeed(0)).toBeNull();
    expect(formatTimeLeft(0.4)).toBe("less than a second left");
    expect(formatTimeLeft(44.2)).toBe("about 45 s left");
    expect(formatTimeLeft(125)).toBe("about 3 min left");
    expect(formatTimeLeft(3 * 3600 + 61)).toBe("about 3 h 2 min left");
    expect(formatTimeLeft(null)).toBeNull();
  });

  it("percent is whole, clamped, and unknown without a total", () => {
    expect(percentDone(50, 200)).toBe(25);
    expect(percentDone(199, 200)).toBe(99);
    expect(percentDone(300, 200)).toBe(100);
    expect(percentDone(10, null)).toBeNull();
    expect(percentDone(10, 0)).toBeNull();
  });
});
