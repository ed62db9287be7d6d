import { describe, expect, it } from "vitest";
import { ApiError } from "@/components/lib/http-client";
import { enrollmentAdvice, enrollmentFailureMessage, microphoneErrorMessage, sampleIssueMessage, uploadErrorMessage } from "@/components/voice-profile/messages";

const domError = (name: string) => Object.assign(new Error("x"), { name });

describe("microphoneErrorMessage", () => {
  it("tells a denied permission from a missing or busy microphone", () => {
    expect(microphoneErrorMessage(domError("NotAllowedError"))).toMatch(/may not use your microphone/);
    expect(microphoneErrorMessage(domError("NotFoundError"))).toMatch(/No microphone was found/);
    expect(microphoneErrorMessage(domError("OverconstrainedError"))).toMatch(/No microphone was found/);
    expect(microphoneErrorMessage(domError("NotReadableError"))).toMatch(/in use by another application/);
    expect(microphoneErrorMessage(domError("SecurityError"))).toMatch(/HTTPS/);
    expect(microphoneErrorMessage(new TypeError("mediaDevices is undefined"))).toMatch(/cannot record audio here/);
    expect(microphoneErrorMessage("weird")).toMatch(/could not be started/);
  });

  it("always offers the file upload when recording is impossible", () => {
    for (const name of ["NotAllowedError", "NotFoundError", "SecurityError"]) expect(microphoneErrorMessage(domError(name))).toMatch(/upload an audio file/);
  });
});

describe("sampleIssueMessage", () => {
  it("words each issue", () => {
    expect(sampleIssueMessage({ kind: "silent" })).toMatch(/heard almost nothing/);
    expect(sampleIssueMessage({ kind: "too-short", speechSeconds: 4.7, minSeconds: 8 })).toBe(
      "We heard about 4 seconds of speech; a good voiceprint needs at least 8. Record again and read the whole script.",
    );
    expect(sampleIssueMessage({ kind: "clipping", clippedRatio: 0.02 })).toMatch(/so loud that it distorts/);
  });
});

describe("uploadErrorMessage", () => {
  it("maps statuses and codes", () => {
    expect(uploadErrorMessage(new ApiError(413, "PAYLOAD_TOO_LARGE", "Too large."))).toMatch(/^The sample is too large\. Send at most 25 MB/);
    expect(uploadErrorMessage(new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Nope."))).toMatch(/not audio Scryon can read/);
    expect(uploadErrorMessage(new ApiError(409, "ENROLLMENT_RUNNING", "Busy."))).toMatch(/already being made/);
    expect(uploadErrorMessage(new ApiError(409, "CONSENT_REQUIRED", "Consent."))).toMatch(/consent is needed first/);
    expect(uploadErrorMessage(new ApiError(409, "CONFLICT", "Something else."))).toBe("Something else.");
    expect(uploadErrorMessage(new ApiError(0, "NETWORK", "x"))).toMatch(/Could not reach Scryon/);
    expect(uploadErrorMessage(new ApiError(500, "INTERNAL", "stack trace here"))).not.toMatch(/stack/);
    expect(uploadErrorMessage(new ApiError(400, "VALIDATION_FAILED", "The field sample is missing."))).toBe("The field sample is missing.");
    expect(uploadErrorMessage(new Error("boom"))).toBe("The sample could not be sent. Try again.");
  });
});

describe("enrollment failures", () => {
  it("shows the server's message and advice by code", () => {
    expect(enrollmentFailureMessage({ errorCode: "MULTIPLE_VOICES", errorMessage: "More than one voice is speaking in the sample." })).toBe(
      "More than one voice is speaking in the sample.",
    );
    expect(enrollmentFailureMessage({ errorCode: "SILENT", errorMessage: null })).toMatch(/could not be turned into a voice profile\. Check that the right microphone/);
    expect(enrollmentAdvice("MULTIPLE_VOICES")).toMatch(/only you are speaking/);
    expect(enrollmentAdvice("too_short")).toMatch(/whole script/);
    expect(enrollmentAdvice("SILENT")).toMatch(/not muted/);
    expect(enrollmentAdvice("CLIPPED")).toMatch(/away from the microphone/);
    expect(enrollmentAdvice(null)).toMatch(/^Record again/);
  });
});
