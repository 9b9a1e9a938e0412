/** The model module for Node callers: everything in ../index.ts plus loading model folders from disk. */
export * from '../index';
export { DEFAULT_MODEL_DIR, loadClassifier, readModelDir } from './load';
