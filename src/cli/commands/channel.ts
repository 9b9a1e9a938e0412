/**
 * `printshot channel fit --experiment DIR [--out FILE] [--json]`: fit a print–camera channel
 * profile (tone curve, colour matrix, PSF, noise, JPEG quality) from the experiment's registered
 * photos and write it (default DIR/channel/profile.json). See docs/calibration.md.
 * `printshot channel compare --experiment DIR [--profile FILE]`: photographed vs simulated
 * destruction rates per run (docs/photo-evaluation.md), written to DIR/channel/compare.json.
 */
import type { Command } from 'commander';
import { positiveInt } from './options';

export function registerChannelCommand(program: Command): void {
  const channel = program.command('channel').description('the measured print–camera channel profile');
  channel
    .command('fit')
    .description('fit a channel profile from the registered photos of an experiment (colour strip and cells)')
    .requiredOption('--experiment <dir>', 'experiment folder with registered photos')
    .option('--out <file>', 'profile file to write (default: <experiment>/channel/profile.json)')
    .option('--max-photos <n>', 'fit from at most n accepted photos, spread over the capture log', positiveInt)
    .option('--json', 'print the profile as JSON')
    .action(async (opts: { experiment: string; out?: string; maxPhotos?: number; json?: boolean }) => {
      const [{ runChannelFit }, { channelProfileText }] = await Promise.all([import('../../services/channel-fit'), import('../../calibration')]);
      const { file, profile } = await runChannelFit({ experiment: opts.experiment, out: opts.out, maxPhotos: opts.maxPhotos });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ file, profile }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${[`Channel profile v${profile.schemaVersion}:`, ...channelProfileText(profile).map((l) => `  ${l}`), `wrote ${file}`].join('\n')}\n`);
    });
  channel
    .command('compare')
    .description('destruction rate per run: photographed vs simulated through the fitted profile vs the default channel, same sheets and poses')
    .requiredOption('--experiment <dir>', 'experiment folder with registered photos')
    .option('--profile <file>', 'channel profile (default: <experiment>/channel/profile.json)')
    .option('--seed <s>', 'seed of the simulated noise (and of poses for photos without a homography)', '0')
    .option('--json', 'print the comparison as JSON')
    .action(async (opts: { experiment: string; profile?: string; seed: string; json?: boolean }) => {
      const [{ runChannelCompare }, { channelCompareText }] = await Promise.all([import('../../services/channel-compare'), import('../../reports/channel-compare')]);
      const { file, comparison } = await runChannelCompare({ experiment: opts.experiment, profile: opts.profile, seed: opts.seed });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ file, comparison }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`${[...channelCompareText(comparison), `wrote ${file}`].join('\n')}\n`);
    });
}
