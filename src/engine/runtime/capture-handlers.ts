/**
 * capture:photos in the engine: the open experiment's registered photos and cell triptychs, read
 * from disk (src/services/photo-cells.ts). The loaded model classifies the photo crops when it is
 * the experiment's; otherwise the response says why their predictions are missing. The stored
 * simulation-against-capture comparison (EXP/channel/compare.json) comes with them.
 */
import { readChannelComparison } from '../../reports/channel-compare';
import { photoCells } from '../../services/photo-cells';
import type { EngineHandlers } from './engine';
import { requireExperiment } from './experiment-handlers';

export const captureHandlers: Pick<EngineHandlers, 'capture:photos'> = {
  async 'capture:photos'(req, { state }) {
    const dir = requireExperiment(state);
    const [cells, compared] = await Promise.all([photoCells(dir, { model: state.model?.classifier ?? null, predict: req.predict }), readChannelComparison(dir)]);
    return { ...cells, channelCompare: compared ? { ...compared.comparison, stale: compared.stale } : null };
  },
};
