/** The demo's channel step as text: the fitted profile against the known channel, then simulation against capture. */
import { channelProfileText } from '../calibration';
import { channelCompareText } from '../reports/channel-compare';
import type { DemoChannelResult } from '../services/demo-channel';

export function demoChannelSection(c: DemoChannelResult): string {
  const r = c.recovery;
  return [
    `Channel fit (printshot channel fit) from ${c.fitted.provenance.photos.length} photos, against the known channel the photos were drawn through (${c.truthFile}):`,
    ...channelProfileText(c.fitted).map((l) => `  ${l}`),
    `  tone gamma true ${r.gamma.truth.map((g) => g.toFixed(3)).join('  ')}; colour matrix max error ${r.matrixMaxError.toFixed(3)}; PSF sigma error ${(r.sigmaRelativeError * 100).toFixed(1)}%`,
    '',
    ...channelCompareText(c.comparison),
    `Channel step: fit ${c.timings.fit.toFixed(0)} s, compare ${c.timings.compare.toFixed(0)} s; profile ${c.profileFile}`,
  ].join('\n');
}
