/**
 * Attack throughput: Printshot (TF.js on the backend it selects) against PyTorch on the same CPU,
 * the same architectures and the same batch sizes, in two tables:
 *
 *   one thread   Printshot in this process (wasm in Node: one thread) against PyTorch with 1
 *                thread: forward, fwd+bwd and BIM-20 on the bundled model and MobileNetV2 (both
 *                ReLU6 forms);
 *   matched      for each N in --threads (default 1 and the core count): Printshot using N cores
 *                (N pool workers; for N > 1 also 1 worker with an N-threaded wasm backend) against
 *                PyTorch with N threads: fwd+bwd and BIM-20, bundled model and MobileNetV2.
 *
 *   npm run bench:attack [-- --quick] [-- --threads 1,2] [-- --tables single,matched] [-- --json] …
 *
 * Workloads (img/s, higher is better): forward = logits only; fwd+bwd = ∇x of the summed softmax
 * cross-entropy from logits (src/attacks lossGradient); BIM-20 = attackImages(bim, {eps: 16,
 * iterations: 20}) end to end (the pool in the matched table), including Printshot's 8-bit round
 * trip and clean/adversarial verification forwards. PyTorch: bench/torch_anchor.py, never run at
 * the same time as the Node side. See bench/README.md and docs/BENCHMARKS.md.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { version_layers as tfjsLayersVersion } from '@tensorflow/tfjs-layers';
import { installBackend, type BackendName } from '../src/model/backend';
import { BIM_STEPS, CONFIG, MATCHED_MODELS, TORCH_MODEL, type ModelId, type TorchModelId } from './lib/config';
import { describeMachine, machineInfo, peakGflops, wasmPeakGflops } from './lib/machine';
import { benchMatched, prepareModelDirs, type MatchedResult } from './lib/matched';
import { benchNode, mergeNodeRuns, modelFlops, type NodeModelResult } from './lib/node-bench';
import { matchedRows, renderMatched, renderSingle, singleRows } from './lib/report';
import { mergeTorchRuns, runTorch, torchDescription, type TorchReport } from './lib/torch';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    backend: { type: 'string' },
    threads: { type: 'string' },
    tables: { type: 'string', default: 'single,matched' },
    models: { type: 'string', default: 'cnn,mobilenetv2,mobilenetv2-relu6op' },
    'no-torch': { type: 'boolean', default: false },
    'no-wasm-threads': { type: 'boolean', default: false },
    repeat: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: false,
});

if (opt.help) {
  process.stdout.write(
    [
      'npm run bench:attack -- [--quick] [--repeat R] [--json] [--threads 1,2] [--tables single,matched]',
      '                        [--models cnn,mobilenetv2,mobilenetv2-relu6op] [--backend wasm|cpu|tensorflow] [--no-torch] [--no-wasm-threads]',
      '  --quick            fewer timed iterations, one repetition',
      "  --repeat R         measure everything R times, alternating sides, and keep each row's best (default 2; 1 with --quick)",
      '  --threads LIST     thread counts N of the matched table (default 1 and the core count)',
      '  --tables LIST      single (in-process, 1 thread each), matched (N cores each), or both (default)',
      '  --models LIST      models (the matched table runs cnn and mobilenetv2 only)',
      '  --backend NAME     TF.js backend of the in-process table (default: Printshot\'s choice)',
      '  --no-wasm-threads  skip the "1 worker × N wasm threads" variant of the matched table',
      '  --no-torch         skip the PyTorch anchor',
      '  --json             print one JSON object instead of the tables',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

function fail(msg: string): never {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}
const say = (line: string): void => {
  if (!opt.json) process.stderr.write(`${line}\n`);
};
const positiveInts = (s: string, what: string): number[] =>
  s.split(',').filter(Boolean).map((v) => (Number.isInteger(Number(v)) && Number(v) >= 1 ? Number(v) : fail(`${what}: '${v}' is not a positive integer`)));

const runs = CONFIG[opt.quick ? 'quick' : 'full'];
const models = opt.models.split(',').filter(Boolean) as ModelId[];
for (const m of models) if (!(m in runs)) fail(`unknown model '${m}' (known: ${Object.keys(runs).join(', ')})`);
const tables = new Set(opt.tables.split(',').filter(Boolean));
for (const t of tables) if (t !== 'single' && t !== 'matched') fail(`unknown table '${t}' (single, matched)`);
const matchedModels = MATCHED_MODELS.filter((m) => models.includes(m));
const threadsList = [...new Set(positiveInts(opt.threads ?? `1,${os.availableParallelism()}`, '--threads'))].sort((a, b) => a - b);
const repeats = opt.repeat ? positiveInts(opt.repeat, '--repeat')[0] : opt.quick ? 1 : 2;
// PyTorch at 1 thread serves the one-thread table; at each N, the matched table.
const torchThreads = [...new Set([...(tables.has('single') ? [1] : []), ...(tables.has('matched') ? threadsList : [])])].sort((a, b) => a - b);
const torchModels = [...new Set([...(tables.has('single') ? models : []), ...(tables.has('matched') ? matchedModels : [])].map((m) => TORCH_MODEL[m]))] as TorchModelId[];

async function main(): Promise<void> {
  const machine = machineInfo();
  const argv = process.argv.slice(2);
  const command = process.env.npm_lifecycle_event === 'bench:attack' ? `npm run bench:attack${argv.length ? ` -- ${argv.join(' ')}` : ''}` : `node --import tsx bench/attack-throughput.ts${argv.length ? ` ${argv.join(' ')}` : ''}`;
  say(`command: ${command}`);
  say(`machine: ${describeMachine(machine)}; load average ${machine.loadAvg1.toFixed(2)} at start; ${machine.date}`);
  const backend = await installBackend(opt.backend ? { prefer: opt.backend as BackendName } : {});
  const threads = backend.name === 'wasm' ? (backend.threads ?? 1) : backend.name === 'tensorflow' ? os.cpus().length : 1;
  say(`backend: ${backend.name} (${backend.reason}), ${threads} thread(s); matched table N = ${threadsList.join(', ')}; PyTorch threads: ${torchThreads.join(', ')}`);

  const t0 = performance.now();
  const tensorsAtStart = tf.memory().numTensors;
  const prepared = tables.has('matched') ? await prepareModelDirs(matchedModels) : { dirs: {}, cleanup: () => {} };
  const nodeRuns: NodeModelResult[][] = [];
  const matchedRuns: MatchedResult[][] = [];
  const torchRuns = new Map<number, TorchReport[]>(torchThreads.map((n) => [n, []]));
  try {
    for (let r = 0; r < repeats; r++) {
      if (repeats > 1) say(`run ${r + 1}/${repeats}`);
      if (tables.has('single')) {
        say(' one thread, in-process:');
        nodeRuns.push(await benchNode(models, runs, say));
      }
      if (tables.has('matched')) {
        say(' matched threads (each cell in its own process):');
        matchedRuns.push(await benchMatched(threadsList, matchedModels, prepared.dirs, runs, !opt['no-wasm-threads'], say, opt.json));
      }
      if (!opt['no-torch']) {
        for (const n of torchThreads) {
          say(` PyTorch anchor, ${n} thread(s) …`);
          const t = await runTorch(n, torchModels, runs);
          if (t.error) say(`  PyTorch anchor failed: ${t.error}`);
          torchRuns.get(n)!.push(t);
        }
      }
    }
  } finally {
    prepared.cleanup();
  }
  const loadAtEnd = os.loadavg()[0];
  const totalSeconds = (performance.now() - t0) / 1000;
  const torchBy = new Map([...torchRuns].filter(([, v]) => v.length).map(([n, v]) => [n, mergeTorchRuns(v)]));
  const node = nodeRuns.length ? mergeNodeRuns(nodeRuns) : [];
  const torch1 = torchBy.get(1);
  const single = singleRows(node, nodeRuns, torch1, torchRuns.get(1) ?? []);
  const flops = Object.fromEntries(matchedModels.map((m) => [m, modelFlops(m)]));
  const matched = matchedRows(matchedRuns, torchBy, torchRuns, flops, machine);
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  const anyTorch = [...torchBy.values()].find((t) => !t.error);
  const versions = { node: process.version, ...backend.versions, 'tfjs-layers': tfjsLayersVersion, torch: anyTorch?.torch, python: anyTorch?.python };

  if (opt.json) {
    const nodeOut = node.map((m) => ({ ...m, flops: { macs: m.flops.macs, forward: m.flops.forward, forwardBackward: m.flops.forwardBackward, bim: m.flops.bim(BIM_STEPS) } }));
    const out = { command, machine, loadAvgAtEnd: loadAtEnd, versions, backend: { ...backend, threads }, repeats, threadsList, node: nodeOut, singleRows: single, matchedRuns, matchedRows: matched, torch: Object.fromEntries(torchBy), torchRuns: Object.fromEntries(torchRuns), memory: { maxRssMiB, numTensorsAtStart: tensorsAtStart, numTensorsAtEnd: tf.memory().numTensors }, seconds: totalSeconds };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }

  const L: string[] = ['', `Printshot attack throughput — ${machine.date}`, `command:  ${command}`];
  L.push(`machine:  ${describeMachine(machine)}; load average ${machine.loadAvg1.toFixed(2)} at start, ${loadAtEnd.toFixed(2)} at end`);
  L.push(`versions: node ${process.version}, ${Object.entries(backend.versions).map(([k, v]) => `${k} ${v}`).join(', ')}, tfjs-layers ${tfjsLayersVersion}${anyTorch ? `, ${torchDescription(anyTorch)}` : ''}`);
  L.push(`backend:  ${backend.name}${backend.simd !== undefined ? ` (SIMD ${backend.simd ? 'on' : 'off'})` : ''}, ${threads} thread(s) in-process`);
  if (tables.has('single')) {
    L.push('', `ONE THREAD EACH: Printshot in-process (${threads} thread) vs PyTorch 1 thread${torch1 && !torch1.error ? ` (${torch1.results.map((r) => `${r.model}: ${r.memory_format ?? '?'}`).join(', ')})` : ''}`, '');
    L.push(...renderSingle(single, peakGflops(machine, 1), repeats));
    L.push(`memory:   in-process peak RSS ${maxRssMiB.toFixed(0)} MiB; tf.memory().numTensors ${tensorsAtStart} before, ${tf.memory().numTensors} after (with each model loaded: ${node.map((m) => `${m.id} ${m.numTensors.before} → ${m.numTensors.after}`).join(', ')})`);
    for (const m of node) if (m.note) L.push(`note:     ${m.id}: ${m.note}`);
  }
  if (tables.has('matched')) {
    L.push('', `MATCHED THREADS: Printshot on N cores vs PyTorch with N threads (OMP/OPENBLAS/MKL_NUM_THREADS = N)`);
    L.push(`  N workers = AttackPool with N workers, one single-threaded wasm backend each, every worker running full batches (a job is cut into fixed batches of the`);
    L.push(`  row's size, handed to idle workers), i.e. N batches in flight; PyTorch runs one batch at a time on N threads. "× N wasm thr" = tfjs' threaded wasm build.`);
    L.push(`  "vs best T≤N" = ratio against the fastest PyTorch thread count ≤ N measured (in brackets).`, '');
    L.push(...renderMatched(matched, repeats));
    const cmds = [...new Set(matchedRuns.flat().map((r) => r.command))];
    L.push(`cells:    ${cmds.length} child processes, e.g. ${cmds[cmds.length - 1] ?? '—'}`);
  }
  const noisy = [...single.map((r) => [r.printshotBackground, r.pytorchBackground]), ...matched.map((r) => [r.printshotBackground, r.pytorchBackground])].filter((b) => (b[0] ?? 0) > 0.1 || (b[1] ?? 0) > 0.1).length;
  if (noisy) L.push('', `warning: ${noisy} rows ran while other processes kept > 0.1 core busy: their figures (and ratios) are low and noisy; rerun on an idle machine.`);
  L.push('', `FLOP per image (forward / fwd+bwd / BIM-${BIM_STEPS} incl. 2 verification forwards): ${(['cnn', 'mobilenetv2'] as const).map((id) => modelFlops(id)).map((f, i) => `${['cnn', 'mobilenetv2'][i]} ${(f.forward / 1e9).toFixed(4)} / ${(f.forwardBackward / 1e9).toFixed(4)} / ${(f.bim(BIM_STEPS) / 1e9).toFixed(3)} GFLOP`).join('; ')}`);
  L.push(`% = of the FP32 peak of the cores used: ${peakGflops(machine, 1).toFixed(1)} GFLOP/s per core (${machine.mhz.toFixed(0)} MHz × ${machine.flopPerCycle} FLOP/cycle: ${machine.flopPerCycleRule}); wasm SIMD128 ceiling (no FMA) ${wasmPeakGflops(machine, 1).toFixed(1)} GFLOP/s per thread`);
  for (const t of torchBy.values()) L.push(`anchor:   ${t.command}${t.error ? ` — failed: ${t.error}` : `; peak RSS ${t.max_rss_mib.toFixed(0)} MiB`}`);
  L.push(`time:     ${totalSeconds.toFixed(0)} s`);
  process.stdout.write(`${L.join('\n')}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
