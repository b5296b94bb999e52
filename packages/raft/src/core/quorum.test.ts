import { describe, expect, it } from 'vitest';
import { majorityValue, quorumSize, voteResult } from './quorum.js';

describe('quorum', () => {
  it('needs a strict majority of voters', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumSize)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it('takes the value a majority has reached, whatever the order', () => {
    expect(majorityValue([9, 7, 5])).toBe(7);
    expect(majorityValue([5, 9, 7])).toBe(7);
    expect(majorityValue([1, 1, 9, 9])).toBe(1);
    expect(majorityValue([3, 9, 9, 1, 2])).toBe(3);
    expect(majorityValue([4])).toBe(4);
    expect(majorityValue([])).toBe(0);
  });

  it('agrees with a brute-force count on every small vector', () => {
    for (let n = 1; n <= 5; n++) {
      const total = 4 ** n;
      for (let code = 0; code < total; code++) {
        const values: number[] = [];
        let c = code;
        for (let i = 0; i < n; i++) {
          values.push(c % 4);
          c = Math.floor(c / 4);
        }
        let expected = 0;
        for (let v = 0; v < 4; v++) if (values.filter((x) => x >= v).length >= quorumSize(n)) expected = v;
        expect(majorityValue(values)).toBe(expected);
      }
    }
  });

  it('decides an election only when the outcome cannot change', () => {
    const voters = ['a', 'b', 'c'];
    expect(voteResult(voters, new Map([['a', true]]))).toBe('pending');
    expect(voteResult(voters, new Map([['a', true], ['b', true]]))).toBe('won');
    expect(voteResult(voters, new Map([['a', true], ['b', false]]))).toBe('pending');
    expect(voteResult(voters, new Map([['a', true], ['b', false], ['c', false]]))).toBe('lost');
    // Votes from non-voters (learners, removed nodes) do not count.
    expect(voteResult(voters, new Map([['a', true], ['x', true], ['y', true]]))).toBe('pending');
    expect(voteResult(['a', 'b', 'c', 'd'], new Map([['a', true], ['b', true]]))).toBe('pending');
    expect(voteResult(['a', 'b', 'c', 'd'], new Map([['a', false], ['b', false]]))).toBe('lost');
  });
});
