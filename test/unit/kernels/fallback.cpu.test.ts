/** The tfjs-layers fallback's input gradients on the cpu backend (see fallback-suite.ts). */
import '@tensorflow/tfjs-backend-cpu';

import { describeFallback } from './fallback-suite';

describeFallback('cpu');
