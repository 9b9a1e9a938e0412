/** The compiled layer plan on the wasm backend (see layer-plan-suite.ts). */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describeLayerPlan } from './layer-plan-suite';

describeLayerPlan('wasm');
