import type { CorpusEntry } from "./corpus";

/**
 * A held-out set: written after the rules were tuned, never used to tune them. Same setting as the corpus
 * (A "Alice" speaks to B "Sam", recorded Wednesday 2026-03-04 15:00 UTC). Its figures are the honest ones.
 */
const yes = (text: string, owner: CorpusEntry["owner"], due?: string): CorpusEntry => ({ text, action: true, owner, ...(due ? { due } : {}) });
const no = (text: string): CorpusEntry => ({ text, action: false });

export const HELD_OUT: CorpusEntry[] = [
  yes("I'll draft the statement of work and share it by Monday.", "speaker", "2026-03-09"),
  yes("Can you confirm the headcount for the pilot by tomorrow?", "addressee", "2026-03-05"),
  yes("I will set up the sandbox account for your engineers this afternoon.", "speaker", "2026-03-04"),
  yes("Could you ask your procurement team for the vendor form?", "addressee"),
  yes("Let's regroup on Thursday once legal has read it.", "speaker", "2026-03-05"),
  yes("Please send over the signed NDA.", "addressee"),
  yes("I'm going to book the training session for March 20th.", "speaker", "2026-03-20"),
  yes("We need to decide on the rollout date before the end of next week.", "speaker", "2026-03-13"),
  yes("Would you be able to share the architecture diagram?", "addressee"),
  yes("I'll follow up with the finance team about the credit.", "speaker"),
  yes("Make sure the renewal quote reflects the new seat count.", "addressee"),
  yes("Don't forget to cancel the old subscription.", "addressee"),
  yes("I can send you a summary of today's call tonight.", "speaker", "2026-03-04"),
  yes("Can you get me the security questionnaire answers in two weeks?", "addressee", "2026-03-18"),
  yes("Let me put a hold on the calendar for the kickoff.", "speaker"),
  yes("We should update the shared tracker after this call.", "speaker"),
  yes("i will send the contract on friday", "speaker", "2026-03-06"),
  yes("can you share the report with the board", "addressee"),
  yes("please call me back tomorrow", "addressee", "2026-03-05"),
  yes("we need to fix the login issue asap", "speaker"),
  yes("let's meet again next tuesday", "speaker", "2026-03-10"),
  yes("i'll check the numbers and get back to you", "speaker"),
  no("I sent the proposal last Friday."),
  no("Can you believe how fast this quarter went?"),
  no("Let me think about that for a second."),
  no("I'll be honest, the last vendor was a disaster."),
  no("We talked about pricing on the last call."),
  no("That sounds great, thanks for your time."),
  no("Could you hear me okay before?"),
  no("I'll let you get back to your day."),
  no("If we had more budget, we would hire another engineer."),
  no("The team shipped the new dashboard yesterday."),
  no("Let's see, where were we."),
  no("I think the integration works well for us."),
  no("Sorry, could you repeat that?"),
  no("We already signed the renewal in January."),
  no("thanks so much talk soon"),
  no("yeah that makes sense"),
  no("i was on vacation last week"),
  no("can you hear me now"),
];
