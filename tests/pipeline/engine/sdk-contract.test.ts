import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The embedded engine speaks the Inngest SDK's wire protocol, including details that differ from the
 * published spec (SDK 4.24.0 puts the sleep duration and the waitForEvent event name in an op's `name`;
 * see ../shared/notes/inngest-embedded.md). The tests in this folder are the contract test for SDK
 * upgrades: bump the pin only together with a green run of `npx vitest run tests/pipeline`.
 */
describe("inngest SDK pin", () => {
  const read = (file: string) => JSON.parse(readFileSync(path.join(process.cwd(), file), "utf8")) as Record<string, unknown>;

  it("is exactly inngest 4.24.0, installed and declared", () => {
    expect(read("node_modules/inngest/package.json").version).toBe("4.24.0");
    expect((read("package.json").dependencies as Record<string, string>).inngest).toBe("4.24.0");
  });
});
