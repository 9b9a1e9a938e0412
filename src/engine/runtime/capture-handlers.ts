/**
 * capture:photos in the engine: the open experiment's registered photos and cell triptychs, read
 * from disk (src/services/photo-cells.ts). The loaded model classifies the photo crops when it is
 * the experiment's; otherwise the response says why their predictions are missing.
 */
import { photoCells } from '../../services/photo-cells';
import type { EngineHandlers } from './engine';
import { requireExperiment } from './experiment-handlers';

export const captureHandlers: Pick<EngineHandlers, 'capture:photos'> = {
  async 'capture:photos'(req, { state }) {
    const dir = requireExperiment(state);
    return photoCells(dir, { model: state.model?.classifier ?? null, predict: req.predict });
  },
};
