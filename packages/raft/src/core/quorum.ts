// Majority arithmetic, kept apart from the role logic so it can be tested exhaustively.

export type VoteResult = 'won' | 'lost' | 'pending';

/** Smallest number of voters that forms a majority of `voterCount`. */
export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest value that a majority of voters has reached: with matches [9, 7, 5] the answer is 7,
 * because two of three voters hold at least 7. Used for the commit index (values are match
 * indexes) and for read rounds (values are acknowledged rounds). Zero voters yields 0.
 */
export function majorityValue(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = values.slice().sort((a, b) => b - a);
  return sorted[quorumSize(values.length) - 1]!;
}

/** Tally of an election among `voters`; `votes` holds the answers received so far. */
export function voteResult(voters: readonly string[], votes: ReadonlyMap<string, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === true) granted++;
    else if (v === false) rejected++;
  }
  const need = quorumSize(voters.length);
  if (granted >= need) return 'won';
  if (voters.length - rejected < need) return 'lost';
  return 'pending';
}
