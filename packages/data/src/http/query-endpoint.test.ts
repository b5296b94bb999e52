import { describe, expect, it } from 'vitest';
import type { PointsWriter, WriteOutcome, WriteRequest } from '../points-writer.js';
import { writePortFor } from './query-endpoint.js';

function fakeWriter(outcome: WriteOutcome): { writer: PointsWriter; requests: WriteRequest[] } {
  const requests: WriteRequest[] = [];
  return {
    requests,
    writer: {
      write: async (req) => {
        requests.push(req);
        return outcome;
      },
    },
  };
}

describe('writePortFor (SELECT INTO)', () => {
  it('sends the lines to the write path in nanoseconds, to the named database and policy', async () => {
    const { writer, requests } = fakeWriter({ written: 2, parseErrorCount: 0, parseErrors: [], dropped: 0 });
    expect(await writePortFor(writer).writeLines('db', 'rp', 'm v=1 1\nm v=2 2')).toEqual({ written: 2, dropped: 0, dropReason: undefined });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.database).toBe('db');
    expect(requests[0]!.retentionPolicy).toBe('rp');
    expect(requests[0]!.precision).toBe('ns');
    expect(Buffer.from(requests[0]!.body).toString()).toBe('m v=1 1\nm v=2 2');
  });

  it('reports refused points and lines that did not parse as dropped, with the first reason', async () => {
    const refused = fakeWriter({ written: 1, parseErrorCount: 0, parseErrors: [], dropped: 1, dropReason: 'field type conflict' });
    expect(await writePortFor(refused.writer).writeLines('db', '', 'x')).toEqual({ written: 1, dropped: 1, dropReason: 'field type conflict' });
    const unparsed = fakeWriter({ written: 0, parseErrorCount: 1, parseErrors: ['unable to parse'], dropped: 0 });
    expect(await writePortFor(unparsed.writer).writeLines('db', '', 'x')).toEqual({ written: 0, dropped: 1, dropReason: 'unable to parse' });
  });
});
