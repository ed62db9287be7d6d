import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { prepareAudio } from "@/lib/speech/prepare";
import type { PreparedAudio } from "@/lib/speech/types";
import { makeSpeechFixtures, type SpeechFixture } from "@/scripts/make-speech-fixtures";

/**
 * Speech fixtures for tests: generated (and cached in .data/fixtures/speech) by the fixture script, decoded
 * into a temp work dir per test file. Call `cleanup()` in `afterAll`.
 */
export async function speechFixtures(names: string[]) {
  const fixtures = await makeSpeechFixtures({ names });
  const root = await mkdtemp(path.join(os.tmpdir(), "scryon-speech-test-"));
  const byName = new Map(fixtures.map((f) => [f.name, f]));
  const prepared = new Map<string, Promise<PreparedAudio>>();
  return {
    root,
    fixture(name: string): SpeechFixture {
      const f = byName.get(name);
      if (!f) throw new Error(`fixture ${name} was not requested`);
      return f;
    },
    /** The fixture decoded once (shared by the tests of a file). */
    prepared(name: string): Promise<PreparedAudio> {
      let p = prepared.get(name);
      if (!p) {
        p = prepareAudio(this.fixture(name).audioPath, path.join(root, name));
        prepared.set(name, p);
      }
      return p;
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
}
