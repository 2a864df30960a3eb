export type { MajorityVoteConfig } from './config.js';
export { defaultMajorityVoteConfig, resolveMajorityVoteConfig } from './config.js';
export type { MajorityVoteOptions, VoteCount, VoteSample, VoteTree } from './majority-vote.js';
export { majorityVote, majorityVoteSearcher } from './majority-vote.js';
