/** The compiled graph plan on the wasm backend, Printshot's default (see graph-plan.suite.ts). */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { describeGraphPlan } from './graph-plan.suite';

describeGraphPlan('wasm');
