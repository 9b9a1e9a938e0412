/**
 * Files stay small (docs/architecture.md): no TypeScript file under src/ over 300 lines, and the
 * use-case layer has one index that lists its public surface (docs/services.md documents it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');
const MAX_LINES = 300;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return tsFiles(file);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [file] : [];
  });
}

const lines = (file: string) => readFileSync(file, 'utf8').replace(/\n$/, '').split('\n').length;

describe('source file size', () => {
  it(`keeps every src/ file at ${MAX_LINES} lines or fewer`, () => {
    const files = tsFiles(path.join(ROOT, 'src'));
    expect(files.length).toBeGreaterThan(100);
    const over = files.map((f) => `${path.relative(ROOT, f)}: ${lines(f)} lines`).filter((s) => Number(s.split(': ')[1].split(' ')[0]) > MAX_LINES);
    expect(over).toEqual([]);
  });

  it('gives services/ one index that re-exports each service the CLI and the engine use', () => {
    const index = readFileSync(path.join(ROOT, 'src/services/index.ts'), 'utf8');
    for (const entry of ['runAttackJob', 'resumeRunJob', 'runReportJob', 'runSheetJob', 'runRegisterJob']) {
      expect(index, entry).toMatch(new RegExp(`\\b${entry}\\b`));
    }
    expect(readFileSync(path.join(ROOT, 'docs/services.md'), 'utf8')).toMatch(/runAttackJob/);
  });
});
