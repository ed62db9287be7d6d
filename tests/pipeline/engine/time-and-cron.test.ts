import { describe, expect, it } from "vitest";
import { nextCronTick } from "@/lib/pipeline/engine/cron";
import { defaultBackoff, parseRetryAfter, parseTimeString, resolveDueAt } from "@/lib/pipeline/engine/time";

describe("engine time helpers", () => {
  const now = new Date("2030-01-01T00:00:00.000Z");

  it("parses SDK time strings and ISO dates", () => {
    expect(parseTimeString("1h30m")).toBe(90 * 60_000);
    expect(parseTimeString("2d")).toBe(2 * 86_400_000);
    expect(parseTimeString("1w1s")).toBe(604_800_000 + 1000);
    expect(parseTimeString("300ms")).toBe(300);
    expect(parseTimeString("soon")).toBeNull();
    expect(resolveDueAt("1m", now)?.toISOString()).toBe("2030-01-01T00:01:00.000Z");
    expect(resolveDueAt("2030-02-01T00:00:00.000Z", now)?.toISOString()).toBe("2030-02-01T00:00:00.000Z");
    // What the SDK sends for a duration its `ms` parser cannot read: refused, not treated as "now".
    expect(resolveDueAt("", now)).toBeNull();
    expect(resolveDueAt("next tuesday", now)).toBeNull();
  });

  it("reads Retry-After as seconds or a date, and backs off exponentially with a cap", () => {
    expect(parseRetryAfter("30", now)?.toISOString()).toBe("2030-01-01T00:00:30.000Z");
    expect(parseRetryAfter("2030-01-01T01:00:00.000Z", now)?.toISOString()).toBe("2030-01-01T01:00:00.000Z");
    expect(parseRetryAfter(null, now)).toBeNull();
    expect([0, 1, 2].map(defaultBackoff)).toEqual([10_000, 20_000, 40_000]);
    expect(defaultBackoff(30)).toBe(3_600_000);
  });

  it("computes the next cron tick in UTC or in the given time zone", () => {
    expect(nextCronTick("0 * * * *", new Date("2030-01-01T10:00:00.000Z")).toISOString()).toBe("2030-01-01T11:00:00.000Z");
    expect(nextCronTick("*/15 * * * *", new Date("2030-01-01T10:07:00.000Z")).toISOString()).toBe("2030-01-01T10:15:00.000Z");
    expect(nextCronTick("TZ=Europe/Paris 0 12 * * *", new Date("2030-01-01T00:00:00.000Z")).toISOString()).toBe("2030-01-01T11:00:00.000Z");
    expect(() => nextCronTick("not a cron", now)).toThrow();
  });
});
