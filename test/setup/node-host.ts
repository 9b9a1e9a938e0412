// Vitest's stand-in for an entry point: the Node host (JPEG codec, file reading) that every
// Node entry installs first (src/transforms/node/host.ts). Tests that check the missing-host
// error install their own.
import { installNodeHost } from '../../src/transforms/node/host';

installNodeHost();
