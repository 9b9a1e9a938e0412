/** The compiled layer plan on the cpu backend (see layer-plan-suite.ts). */
import '@tensorflow/tfjs-backend-cpu';

import { describeLayerPlan } from './layer-plan-suite';

describeLayerPlan('cpu');
