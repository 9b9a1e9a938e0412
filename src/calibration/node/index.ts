/** The calibration module for Node callers: everything in ../index.ts plus records measured from photos on disk. */
export * from '../index';
export { calibrateCaptures, calibratePhoto } from './job';
