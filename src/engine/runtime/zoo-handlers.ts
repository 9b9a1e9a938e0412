/**
 * The model zoo in the workbench (until now CLI-only: `printshot models pull`): the catalogue
 * with each model's download state, and a pull as a job with byte progress that loads the model
 * when it is done. Downloads go to the zoo's data folder (src/zoo/paths.ts) and honour
 * $PRINTSHOT_ZOO_BASE_URL, the same as the CLI.
 */
import { ContractError, type JobResult } from '../../contract';
import { openModel } from '../../services/sources';
import { findZooEntry, listZoo, pullModel } from '../../zoo';
import type { EngineHandlers } from './engine';
import { modelInfo, replaceModel } from './model-handlers';

export const zooHandlers: Pick<EngineHandlers, 'zoo:list' | 'zoo:pull'> = {
  async 'zoo:list'() {
    return (await listZoo()).map(({ entry: e, dir, state }) => ({
      name: e.name,
      title: e.title,
      description: e.description,
      format: e.format,
      input: { ...e.input },
      classes: e.classes,
      approxBytes: e.approxBytes,
      ...(e.top1 !== undefined ? { top1: e.top1 } : {}),
      paper: e.paper,
      license: e.license,
      state,
      dir,
    }));
  },

  async 'zoo:pull'(req, ctx) {
    const entry = findZooEntry(req.name); // an unknown name fails the call, listing the names
    if ([...ctx.state.jobs.values()].some((j) => j.kind === 'zoo')) throw new ContractError('busy', 'a zoo model is being pulled already', 'wait for it to finish or cancel it');
    // A pull writes no experiment: '' keeps the job from taking the open experiment's lock.
    return ctx.startJob(undefined, 'zoo', async (job): Promise<JobResult> => {
      job.progress(0, 1, `${entry.title}: connecting`);
      const r = await pullModel(entry, {
        signal: job.signal,
        onProgress: (p) => {
          const of = p.total ? ` of ${mib(p.total)}` : '';
          const file = p.files ? ` (file ${p.index}/${p.files})` : '';
          job.progress(p.received, p.total ?? Math.max(p.received, 1), `${entry.title}: ${mib(p.received)}${of}${file}`);
        },
      });
      // Swapping the model under a running attack would dispose the classifier it uses.
      if ([...ctx.state.jobs.keys()].some((id) => id !== job.jobId)) return { kind: 'zoo', name: entry.name, dir: r.dir, upToDate: r.upToDate, model: null };
      job.progress(1, 1, `${entry.title}: loading`);
      const classifier = await openModel(r.dir);
      replaceModel(ctx.state, { classifier, source: 'folder', spec: classifier.dir, dir: classifier.dir, cardEdited: false });
      return { kind: 'zoo', name: entry.name, dir: r.dir, upToDate: r.upToDate, model: await modelInfo(ctx.state.model!) };
    }, '');
  },
};

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
