// The executor's ports must be satisfied by the real storage and catalog types without adapters.
// The assignments below say so at the type level; the test compiles this very file with the
// TypeScript compiler (the build excludes test files, so nothing else would check them) and
// fails on any diagnostic in it.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import type { BlockStats, Catalog, ColumnData, FieldChunk as TsdbFieldChunk, SeriesIndex, SeriesInfo, Shard, TagExpr, TSDBStore } from '@shoal/tsdb';
import type { BlockSummary, CatalogPort, ColumnChunk, FieldChunk, QueryPorts, SeriesIndexReader, SeriesMeta, ShardReader, TagPredicate } from './ports.js';

// ---- type-level conformance (checked by the test below) ----
export const conformance = {
  shard: (s: Shard): ShardReader => s,
  index: (i: SeriesIndex): SeriesIndexReader => i,
  series: (s: SeriesInfo): SeriesMeta => s,
  chunk: (c: TsdbFieldChunk): FieldChunk => c,
  column: (c: ColumnData): ColumnChunk => c,
  stats: (s: BlockStats): BlockSummary => s,
  catalog: (c: Catalog): CatalogPort => c,
  // The executor builds predicates that the index evaluates: ours must be theirs.
  predicate: (p: TagPredicate): TagExpr => p,
  ports: (catalog: Catalog, store: TSDBStore): QueryPorts => ({ catalog, shard: (id) => store.shard(id) }),
};

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '../../../..');

describe('ports', () => {
  it('are satisfied structurally by tsdb Shard, SeriesIndex, TSDBStore and Catalog', () => {
    const program = ts.createProgram([here], {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
      baseUrl: root,
      // Check against the sources, not a possibly stale dist.
      paths: { '@shoal/*': ['packages/*/src/index.ts'] },
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === here);
    const text = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(text).toEqual([]);
    expect(typeof conformance.shard).toBe('function');
  });
});
