/**
 * Graph models: BIM-10 throughput on a MobileNetV2 graph model (keras.applications topology as
 * tensorflowjs_converter writes it, test/fixtures/graph/mobilenetv2-full.ts, random weights),
 * loaded by loadClassifierFromMemory twice: through the compiled graph plan (src/model/graph-plan.ts)
 * and with PRINTSHOT_LAYER_PLAN=off, i.e. GraphModel.execute under tf.grad as before the plan.
 *
 *   node --import tsx bench/graph-model.ts [--size 224] [--batch 5] [--iterations 10] [--repeat 2] [--backend wasm|cpu]
 *
 * Prints the command line, the backend, both rates (best of --repeat, after one warm-up attack
 * each) and their ratio. Not part of npm test.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { attackImages, getAttack } from '../src/attacks';
import { loadClassifierFromMemory, selectBackend, type LoadedClassifier } from '../src/model';
import { createRng, log } from '../src/shared';
import { graphMobileNetV2Full } from '../test/fixtures/graph/mobilenetv2-full';
import { fmtOutcome, measure, randomItems, type Rate } from './lib/node-bench';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '224' },
    batch: { type: 'string', default: '5' },
    iterations: { type: 'string', default: '10' },
    repeat: { type: 'string', default: '2' },
    backend: { type: 'string' },
  },
});
const size = Number(args.size);
const batch = Number(args.batch);
const iterations = Number(args.iterations);
const repeat = Number(args.repeat);

async function load(plan: boolean): Promise<LoadedClassifier> {
  const f = graphMobileNetV2Full({ size });
  const labels = Array.from({ length: f.classes }, (_, i) => `class_${i}`);
  const card = { schemaVersion: 1, name: f.name, labels, input: { height: size, width: size, channels: 3 }, range: '-1-1', outputs: 'probabilities' };
  if (!plan) process.env.PRINTSHOT_LAYER_PLAN = 'off';
  try {
    return await loadClassifierFromMemory({ modelJSON: f.modelJSON, weights: f.weights, card, name: f.name });
  } finally {
    delete process.env.PRINTSHOT_LAYER_PLAN;
  }
}

async function main(): Promise<void> {
  console.log(`$ node --import tsx bench/graph-model.ts ${process.argv.slice(2).join(' ')}`.trimEnd());
  if (args.backend) await tf.setBackend(args.backend);
  else await selectBackend();
  log.debug = (m: string) => void (m.includes('fused ops') && console.log(`  ${m.slice(0, 160)}…`));
  const compiled = await load(true);
  const executed = await load(false);
  const items = randomItems(compiled, batch, 1);
  const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(compiled.logits(x), executed.logits(x)))).dataSync()[0]);
  x.dispose();
  console.log(`backend ${tf.getBackend()}; ${compiled.card.name}, batch ${batch}, BIM-${iterations} at eps 8; compiled vs model.execute logits: max |diff| ${diff.toExponential(2)}`);
  const bim = getAttack('bim');
  const run = (c: LoadedClassifier, its: number) => attackImages(bim, { eps: 8, iterations: its }, items, { classifier: c, rng: createRng(0), batchSize: batch });
  const best: Record<string, Rate | undefined> = {};
  for (const [name, c] of [['compiled graph plan', compiled], ['model.execute', executed]] as const) {
    await run(c, 1); // warm-up: kernels compiled, weights packed
    for (let r = 0; r < repeat; r++) {
      const rate = await measure(items.length, async () => void (await run(c, iterations)));
      if (!best[name] || rate.imgPerS > best[name]!.imgPerS) best[name] = rate;
    }
    console.log(`  ${name.padEnd(20)} BIM-${iterations}: ${fmtOutcome(best[name])}`);
  }
  const [a, b] = [best['compiled graph plan'], best['model.execute']];
  if (a && b) console.log(`  compiled / model.execute: ${(a.imgPerS / b.imgPerS).toFixed(2)}×`);
  compiled.dispose();
  executed.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
