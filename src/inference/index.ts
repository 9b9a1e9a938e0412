export * from './tensor-images';
export * from './predict';
