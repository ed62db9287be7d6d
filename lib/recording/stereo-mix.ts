/**
 * Two sources → one stereo recording: the microphone on the LEFT channel, the meeting (tab or system
 * audio) on the RIGHT, each source first folded to mono. The pipeline's per-side path (`stereo-split` in
 * lib/speech/prepare.ts) then gives each side its own speaker, and the resolver marks the left one as the
 * user (lib/speakers/resolve.ts, "your microphone").
 *
 * `mixStereoFrames` is the rule on plain sample blocks (tested in tests/recording/stereo-mix.test.ts);
 * `connectStereo` builds the same routing in Web Audio for the recorder: each source → a mono gain node →
 * its input of a ChannelMergerNode, so both sides share the one audio clock (sample-aligned by construction).
 */

export const MIC_CHANNEL = 0;
export const MEETING_CHANNEL = 1;

/** Mono of a source's channels (the average, as Web Audio's "speakers" down-mix does for stereo → mono). */
export function toMono(channels: Float32Array[], length: number): Float32Array {
  const mono = new Float32Array(length);
  if (channels.length === 0) return mono;
  for (const channel of channels) {
    for (let i = 0; i < length && i < channel.length; i++) mono[i]! += channel[i]! / channels.length;
  }
  return mono;
}

/**
 * One block of the stereo recording from one block of each source (same sample rate, same start time):
 * `[left = mic, right = meeting]`, as long as the longer source; the shorter one is padded with silence at
 * the end (never shifted), so sample i of each side is the same instant.
 */
export function mixStereoFrames(mic: Float32Array[] | null, meeting: Float32Array[] | null): [Float32Array, Float32Array] {
  const lengthOf = (source: Float32Array[] | null) => (source ?? []).reduce((max, channel) => Math.max(max, channel.length), 0);
  const length = Math.max(lengthOf(mic), lengthOf(meeting));
  const left = toMono(mic ?? [], length);
  const right = toMono(meeting ?? [], length);
  const out: [Float32Array, Float32Array] = [new Float32Array(length), new Float32Array(length)];
  out[MIC_CHANNEL] = left;
  out[MEETING_CHANNEL] = right;
  return out;
}

/** The Web Audio graph of `mixStereoFrames`; returns the stereo stream to record. */
export function connectStereo(context: AudioContext, mic: MediaStream, meeting: MediaStream): MediaStream {
  const merger = context.createChannelMerger(2);
  const destination = context.createMediaStreamDestination();
  destination.channelCount = 2;
  for (const [stream, channel] of [
    [mic, MIC_CHANNEL],
    [meeting, MEETING_CHANNEL],
  ] as const) {
    const source = context.createMediaStreamSource(stream);
    const mono = context.createGain();
    mono.channelCount = 1;
    mono.channelCountMode = "explicit";
    mono.channelInterpretation = "speakers";
    source.connect(mono);
    mono.connect(merger, 0, channel);
  }
  merger.connect(destination);
  return destination.stream;
}
