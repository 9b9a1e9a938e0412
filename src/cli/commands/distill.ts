/**
 * `printshot distill --model DIR|default [--from-scratch] --temperature T --epochs K --data DIR
 *  --out DIR [--json]`: defensive distillation (Papernot et al., as evaluated by Carlini & Wagner).
 * A teacher is trained at temperature T, a student on the teacher's soft labels at T, and the
 * student is deployed at T = 1. --model gives the architecture and the initial weights of both
 * (--from-scratch: fresh weights). See docs/defended-models.md.
 */
import type { Command } from 'commander';
import { positiveInt } from './options';
import { addTrainingOptions, commonArgs, positiveNumber, runTraining, type TrainCliOptions } from './harden';

interface DistillCliOptions extends TrainCliOptions {
  temperature: number;
  teacherEpochs?: number;
}

export function registerDistillCommand(program: Command): void {
  const cmd = program
    .command('distill')
    .description('defensive distillation (Papernot et al.): teacher and student trained at temperature T, student deployed at T = 1; writes a new model folder')
    .option('--temperature <T>', 'distillation temperature', positiveNumber, 100)
    .option('--teacher-epochs <k>', 'teacher epochs (default: --epochs)', positiveInt);
  addTrainingOptions(cmd, 5).action(async (o: DistillCliOptions) => {
    const { runDistill } = await import('../../services/defend');
    await runTraining('distill', o.json, (signal, onEvent) =>
      runDistill({ ...commonArgs(o), temperature: o.temperature, teacherEpochs: o.teacherEpochs, signal, onEvent }),
    );
  });
}
