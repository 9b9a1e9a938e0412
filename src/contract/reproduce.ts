/**
 * reproduce:run — the workbench's paper templates, the same as `printshot reproduce <template>`
 * (docs/reproduction.md). The catalogue below is what the Reproduce panel lists: the paper, what
 * the template computes and its rough cost on a 2-core machine, so a user knows before pressing Run.
 * A run writes into the open experiment under reproduce/<template>/, and its result lists the
 * report files relative to the experiment (file:read / file:open reach them).
 */
import { z } from 'zod';

export const REPRODUCE_TEMPLATES = ['kurakin-table', 'kurakin-fig6', 'szegedy-spectral', 'szegedy-cross-training', 'ilyas-features'] as const;
export const ReproduceTemplate = z.enum(REPRODUCE_TEMPLATES);
export type ReproduceTemplate = z.infer<typeof ReproduceTemplate>;

export interface ReproduceCatalogueEntry {
  title: string;
  paper: string;
  computes: string;
  /** Rough wall time on a 2-core machine with the workbench's settings. */
  cost: string;
  /** What the machine needs beyond Printshot itself; absent when nothing. */
  needs?: string;
  /** Uses the loaded model (else the template trains or picks its own). */
  usesLoadedModel: boolean;
}

export const REPRODUCE_CATALOGUE: Record<ReproduceTemplate, ReproduceCatalogueEntry> = {
  'kurakin-table': {
    title: 'Kurakin et al. Tables 1–3',
    paper: 'Kurakin, Goodfellow & Bengio 2016, arXiv 1607.02533, §3.2',
    computes: 'fast, basic iterative and l.l. class at eps 2, 4, 8, 16 on the bundled samples; sheets to print; digital and synthetic-transform tables now, photo tables once photos are registered',
    cost: 'about 3–5 minutes (12 attacks, 12 sheet PDFs)',
    usesLoadedModel: true,
  },
  'kurakin-fig6': {
    title: 'Kurakin et al. Fig. 6',
    paper: 'Kurakin, Goodfellow & Bengio 2016, arXiv 1607.02533, §4',
    computes: 'the three methods at eps 16, then destruction rates under the five transform sweeps (brightness, contrast, blur, noise, JPEG)',
    cost: 'about 1–5 minutes',
    usesLoadedModel: true,
  },
  'szegedy-spectral': {
    title: 'Szegedy et al. Table 5 (spectral analysis)',
    paper: 'Szegedy et al. 2013, arXiv 1312.6199, §4.3',
    computes: 'an upper Lipschitz bound per layer (exact conv and dense operator norms), their product, and the largest measured gradient norm',
    cost: 'seconds on the bundled model',
    usesLoadedModel: true,
  },
  'szegedy-cross-training': {
    title: 'Szegedy et al. Tables 3–4 (cross-training-set)',
    paper: 'Szegedy et al. 2013, arXiv 1312.6199, §4.2',
    computes: 'three MLPs trained on disjoint halves of Fashion-MNIST (and one other width); minimal L-BFGS adversarial examples of each and the error they cause on the others, against Gaussian noise of the same RMS',
    cost: '300 test images per model by default (training 3 MLPs in PyTorch, then 900 L-BFGS attacks); the recorded 150-image run used 2.8 CPU minutes, 20 minutes of wall time on a 2-core machine at load 22',
    needs: 'PyTorch (python3-torch) and the Fashion-MNIST IDX files (Debian package dataset-fashion-mnist)',
    usesLoadedModel: false,
  },
  'ilyas-features': {
    title: 'Ilyas et al. Fig. 2 / Table 1 (non-robust features)',
    paper: 'Ilyas et al. 2019, arXiv 1905.02175',
    computes: 'a robust model, the robust dataset D_R and the non-robust datasets D_det and D_rand, standard models trained on each, and their standard and robust test accuracy',
    cost: 'up to an hour at the default sizes',
    needs: 'PyTorch (python3-torch) and the Fashion-MNIST IDX files (Debian package dataset-fashion-mnist)',
    usesLoadedModel: false,
  },
};

export const ReproduceRun = z.strictObject({
  template: ReproduceTemplate,
  /** Fewer images for a quick run: attacked images (Kurakin, cross-training), gradient images (spectral), dataset size (Ilyas). */
  limit: z.number().int().min(1).max(60000).optional(),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
});
export type ReproduceRun = z.infer<typeof ReproduceRun>;

export const ReproduceResultDto = z.object({
  kind: z.literal('reproduce'),
  template: ReproduceTemplate,
  /** The template's folder, relative to the experiment. */
  dir: z.string(),
  /** Report files, relative to the experiment (HTML first when there is one). */
  files: z.array(z.string()),
  /** A few lines to show beside the link (the headline figures). */
  summary: z.array(z.string()),
  seconds: z.number(),
});
export type ReproduceResultDto = z.infer<typeof ReproduceResultDto>;
