/**
 * Opening a folder in the view that takes its kind: the wrong-kind suggestion's button ("this is
 * an image folder: open it in Images") goes to that step and loads the folder there, through the
 * same store actions the step's own field uses.
 */
import type { ExpectedKind } from '../../../src/contract';
import { useAppStore } from '../stores/app';
import { useImagesStore } from '../stores/images';
import { useModelStore } from '../stores/model';

/** The hash route of each kind's step; experiments open from the bar on every step, so they stay put. */
const ROUTE: Record<ExpectedKind, string | null> = { model: '#/model', images: '#/images', experiment: null };

export function useOpenFolder(): (kind: ExpectedKind, path: string) => Promise<boolean> {
  const app = useAppStore();
  const images = useImagesStore();
  const model = useModelStore();
  return async (kind, path) => {
    const route = ROUTE[kind];
    if (route && location.hash !== route) location.hash = route;
    const ref = { kind: 'path', path } as const;
    if (kind === 'model') return model.load(ref);
    if (kind === 'images') return images.list(ref);
    return app.openExperiment(ref);
  };
}
