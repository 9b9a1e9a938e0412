/**
 * In a clone `printshot` is not on PATH (exit 127): every command the README and docs/ show is
 * `npx printshot …`. A bare `printshot <subcommand>` in new text fails here with its file and line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../cli/run-cli';

const SUBCOMMANDS = 'attack|calibrate|channel|check|classify|demo|distill|doctor|evaluate|experiments|harden|models|patch|register|report|reproduce|robustness|runs|serve|sheet|simulate|start|transform|--help|--version';
// Not preceded by `npx `, a path or a word character; followed by a subcommand, possibly after a line break.
const BARE = new RegExp(`(?<![\\w/.@-])(?<!npx )(?<!npx\\n)printshot\\s+(?:${SUBCOMMANDS})(?![\\w-])`, 'g');

// Quoting what a lock file records (the process's own command line) is not telling anyone to run it.
const RECORDED = /(locked by |the command \()`$/;

function bareCommands(text: string): number[] {
  return [...text.matchAll(BARE)].filter((m) => !RECORDED.test(text.slice(Math.max(0, m.index - 20), m.index))).map((m) => text.slice(0, m.index).split('\n').length);
}

describe('docs show npx printshot', () => {
  it('the pattern finds a bare command, also across a line break, and spares npx, paths and names', () => {
    expect(bareCommands('run `printshot attack --eps 4`\nthen `printshot\n  report`')).toEqual([1, 2]);
    expect(bareCommands('`npx printshot attack`, `npm run printshot -- demo`, bin/printshot demo, printshot-demo/, the printshot process')).toEqual([]);
    expect(bareCommands('error: D is locked by `printshot attack` (pid 1)\nrun `printshot attack` again')).toEqual([2]);
  });

  it('README.md and every docs/*.md', () => {
    const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const found = files.flatMap((f) => bareCommands(readFileSync(join(ROOT, f), 'utf8')).map((line) => `${f}:${line}`));
    expect(found).toEqual([]);
  });
});
