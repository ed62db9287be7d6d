import { describe, expect, it } from "vitest";
import { isBlockedAddress, parseWebhookUrl, resolveAllowedAddresses } from "@/lib/webhooks/address";
import { judgeOutcome } from "@/lib/webhooks/deliver";
import { parseRetryAfter } from "@/lib/webhooks/send";
import { generateWebhookSecret, messageIdFor, signWebhook } from "@/lib/webhooks/signature";

describe("webhook target addresses", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["10.0.0.1", true],
    ["172.16.0.1", true],
    ["172.31.255.255", true],
    ["192.168.1.1", true],
    ["169.254.169.254", true], // cloud metadata
    ["100.64.0.1", true], // CGNAT
    ["100.127.255.255", true],
    ["0.0.0.0", true],
    ["224.0.0.1", true],
    ["255.255.255.255", true],
    ["198.18.0.1", true],
    ["::1", true],
    ["::", true],
    ["fe80::1", true],
    ["fc00::1", true],
    ["fd00:ec2::254", true], // AWS metadata over IPv6
    ["::ffff:127.0.0.1", true],
    ["::ffff:7f00:1", true],
    ["::ffff:10.1.2.3", true],
    ["64:ff9b::a9fe:a9fe", true], // NAT64 of 169.254.169.254
    ["2001:db8::1", true],
    ["ff02::1", true],
    ["not-an-ip", true],
    ["93.184.216.34", false],
    ["8.8.8.8", false],
    ["172.32.0.1", false],
    ["100.128.0.1", false],
    ["2606:4700:4700::1111", false],
    ["::ffff:8.8.8.8", false],
  ])("%s blocked: %s", (address, blocked) => {
    expect(isBlockedAddress(address)).toBe(blocked);
  });

  it("takes only absolute http(s) URLs without credentials", () => {
    expect(parseWebhookUrl("https://example.com/hook?x=1").toString()).toBe("https://example.com/hook?x=1");
    for (const bad of ["example.com/hook", "ftp://example.com/", "file:///etc/passwd", "javascript:alert(1)", "https://user:pw@example.com/", "gopher://x/"]) {
      expect(() => parseWebhookUrl(bad), bad).toThrow();
    }
  });

  it("refuses a host when any address it resolves to is private, unless allowed", async () => {
    const lookup = async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "10.0.0.5", family: 4 },
    ];
    await expect(resolveAllowedAddresses(new URL("https://mixed.test/"), { allowPrivate: false, lookup })).rejects.toThrow(/10\.0\.0\.5/);
    await expect(resolveAllowedAddresses(new URL("https://mixed.test/"), { allowPrivate: true, lookup })).resolves.toHaveLength(2);
    await expect(resolveAllowedAddresses(new URL("https://nowhere.test/"), { allowPrivate: true, lookup: async () => Promise.reject(new Error("ENOTFOUND")) })).rejects.toThrow(/could not be resolved/);
    await expect(resolveAllowedAddresses(new URL("http://[::1]:8080/"), { allowPrivate: false })).rejects.toThrow(/::1/);
  });
});

describe("signing and answers", () => {
  it("signs {id}.{timestamp}.{body} with the base64-decoded secret (the spec's example key and message)", () => {
    // The Standard Webhooks test vector (libraries' tests): this key, id, timestamp and body give this signature.
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    expect(signWebhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    expect(generateWebhookSecret()).toMatch(/^whsec_/);
    expect(Buffer.from(generateWebhookSecret().slice(6), "base64")).toHaveLength(32);
    expect(messageIdFor("call.completed:x")).toBe(messageIdFor("call.completed:x"));
    expect(messageIdFor("call.completed:x")).not.toBe(messageIdFor("call.completed:y"));
    expect(messageIdFor("a")).not.toContain(".");
  });

  it("judges answers the way the spec suggests", () => {
    const answer = (status: number) => judgeOutcome({ kind: "response", status, excerpt: "", retryAfterMs: null });
    expect(answer(200)).toMatchObject({ ok: true });
    expect(answer(299)).toMatchObject({ ok: true });
    for (const status of [500, 502, 503, 504, 408, 429]) expect(answer(status), String(status)).toMatchObject({ ok: false, retryable: true });
    for (const status of [301, 302, 400, 401, 404, 422]) expect(answer(status), String(status)).toMatchObject({ ok: false, retryable: false, gone: false });
    expect(answer(410)).toMatchObject({ ok: false, retryable: false, gone: true });
    expect(judgeOutcome({ kind: "timeout", error: "t" })).toMatchObject({ retryable: true });
    expect(judgeOutcome({ kind: "network", error: "n" })).toMatchObject({ retryable: true });
    expect(judgeOutcome({ kind: "blocked", error: "b" })).toMatchObject({ retryable: false });
    expect(judgeOutcome({ kind: "response", status: 200, excerpt: "a\u0000b", retryAfterMs: null }).excerpt).toBe("ab");
    expect(parseRetryAfter("120")).toBe(120_000);
    expect(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString(), Date.now())).toBeGreaterThan(50_000);
    expect(parseRetryAfter("soon")).toBeNull();
  });
});

describe("webhook configuration", () => {
  it("refuses private targets by default; SCRYON_WEBHOOKS_ALLOW_PRIVATE=1 allows them; bad values stop the server", async () => {
    const { parseEnv, EnvError } = await import("@/lib/env");
    expect(parseEnv({})).toMatchObject({ publicUrl: "http://localhost:3000", webhooks: { allowPrivate: false, timeoutMs: 15_000, disableAfterFailures: 5 } });
    expect(parseEnv({ SCRYON_WEBHOOKS_ALLOW_PRIVATE: "1", SCRYON_WEBHOOK_TIMEOUT_SECONDS: "30", SCRYON_WEBHOOK_DISABLE_AFTER: "0", SCRYON_PUBLIC_URL: "https://calls.example.com/" })).toMatchObject({
      publicUrl: "https://calls.example.com",
      webhooks: { allowPrivate: true, timeoutMs: 30_000, disableAfterFailures: 0 },
    });
    expect(() => parseEnv({ SCRYON_WEBHOOKS_ALLOW_PRIVATE: "sometimes" })).toThrow(EnvError);
    expect(() => parseEnv({ SCRYON_PUBLIC_URL: "not a url" })).toThrow(EnvError);
    expect(() => parseEnv({ SCRYON_WEBHOOK_TIMEOUT_SECONDS: "-1" })).toThrow(EnvError);
  });
});
