/**
 * The engine host side: what Electron main and serve mode import. The engine's own code
 * (./runtime) runs in the engine process and is imported only by its entry points, so the host
 * process never loads TF.js.
 */
export { EngineHost, type EngineTransport, type SpawnEngine, type EngineHostOptions } from './host';
export { assertOpenable, createRoutes, experimentFile, OPENABLE_EXTENSIONS } from './routes';
export { PathGrants, RecentList, isInside, scratchName, type Platform, type FolderPurpose, type FolderBrowsing } from './platform';
export { HOST_CHANNELS, JOB_CHANNELS, type EngineChannel, type HostChannel, type FromEngine, type ToEngine, type EnginePort } from './protocol';
