/** `printshot serve` options and the npm start decision (Electron binary or browser workbench). */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { electronBinary, registerServeCommand } from '../../../src/cli/commands/serve';

describe('printshot serve', () => {
  it('offers --port, --workspace, --url-file and --allow, and rejects a bad port', async () => {
    const program = new Command('printshot').exitOverride();
    registerServeCommand(program);
    const serve = program.commands.find((c) => c.name() === 'serve')!;
    expect(serve.options.map((o) => o.long)).toEqual(['--port', '--workspace', '--url-file', '--allow']);
    serve.exitOverride().action(() => undefined);
    await expect(program.parseAsync(['node', 'printshot', 'serve', '--port', '70000'])).rejects.toThrow(/--port 70000/);
  });

  it('--allow is repeatable: each folder is one more root for the folder browser', async () => {
    const program = new Command('printshot').exitOverride();
    registerServeCommand(program);
    const serve = program.commands.find((c) => c.name() === 'serve')!;
    let got: unknown;
    serve.exitOverride().action((o: { allow?: string[] }) => void (got = o.allow));
    await program.parseAsync(['node', 'printshot', 'serve', '--allow', '/data/models', '--allow', '/data/photos']);
    expect(got).toEqual(['/data/models', '/data/photos']);
  });

  it('finds the Electron binary only where it exists, and otherwise says why', () => {
    const found = electronBinary();
    if ('path' in found) expect(existsSync(found.path)).toBe(true);
    else expect(found.missing).toMatch(/Electron binary/);
  });
});
