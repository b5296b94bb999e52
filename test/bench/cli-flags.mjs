// Command-line flags for the hand-run benchmark scripts in test/bench/ (ingest.mjs,
// tsbs-data.mjs, cpuprofile-top.mjs). A script declares every flag it knows; an unknown or
// malformed flag stops the script with a usage error instead of being silently ignored, because a
// typo in a benchmark flag produces numbers for a run nobody asked for.
//
//   const flags = parseFlags(process.argv.slice(2), {
//     hosts: { type: 'number', default: 100 },
//     peer: { type: 'boolean' },
//     conc: { type: 'string', default: '1,2,4' },
//   });
//
// Accepted forms: `--name value`, `--name=value`, and `--flag` for booleans. Dashed names map to
// camelCase keys (`--shoal-args` -> flags.shoalArgs). Words without `--` are collected in flags._.

export class FlagError extends Error {}

/**
 * @param {string[]} argv
 * @param {Record<string, {type: 'string'|'number'|'boolean', default?: unknown}>} spec keyed by camelCase name
 */
export function parseFlags(argv, spec) {
  const out = { _: [] };
  for (const [name, s] of Object.entries(spec)) out[name] = s.default ?? (s.type === 'boolean' ? false : undefined);
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (!word.startsWith('--')) {
      out._.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const dashed = eq > 0 ? word.slice(2, eq) : word.slice(2);
    const name = dashed.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const s = spec[name];
    if (!s) throw new FlagError(`unknown flag --${dashed}`);
    let raw;
    if (s.type === 'boolean') {
      if (eq > 0) {
        raw = word.slice(eq + 1);
        if (raw !== 'true' && raw !== 'false') throw new FlagError(`--${dashed} takes no value (or =true/=false)`);
        out[name] = raw === 'true';
      } else out[name] = true;
      continue;
    }
    if (eq > 0) raw = word.slice(eq + 1);
    else {
      raw = argv[i + 1];
      if (raw === undefined) throw new FlagError(`--${dashed} needs a value`);
      i++;
    }
    if (s.type === 'number') {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new FlagError(`--${dashed} needs a number, got '${raw}'`);
      out[name] = n;
    } else out[name] = raw;
  }
  return out;
}
