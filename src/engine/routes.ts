/**
 * The route table shared by Electron main and serve mode. Typed as `Routes`, so a channel without
 * a handler does not compile. Handlers here run in the host process: they turn folder references
 * into vetted absolute paths (dialogs, grants), answer the job table and file requests, and
 * forward the rest to the engine process. Paths from the renderer never reach the engine unvetted.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ContractError, type ExperimentDto, type FolderRef, type ModelRef, type ParsedRequestOf, type Routes } from '../contract';
import type { EngineHost } from './host';
import type { EngineChannel } from './protocol';
import type { CallScope } from './runtime/scope';
import { confine } from '../shared/node/confine';
import { runDisplayName } from '../attacks/names';
import { type FolderPurpose, type Platform } from './platform';

const MAX_FILE_BYTES = 256 * 1024 * 1024;

const MIME: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.txt': 'text/plain',
};

/**
 * What file:open hands to the OS: report formats only. A shared experiment can carry
 * `reports/Report.pdf.exe` or a `.desktop` launcher, and opening those would run them.
 */
export const OPENABLE_EXTENSIONS: readonly string[] = ['.pdf', '.html', '.csv', '.json', '.png'];

export function assertOpenable(file: string): void {
  const ext = path.extname(file).toLowerCase();
  if (!OPENABLE_EXTENSIONS.includes(ext)) {
    throw new ContractError('forbidden', `${path.basename(file)}: only ${OPENABLE_EXTENSIONS.join(', ')} files are opened from the workbench`, 'use Save a copy and open it yourself if you trust it');
  }
}

async function resolveFolder(platform: Platform, ref: FolderRef, purpose: FolderPurpose): Promise<FolderRef> {
  if (ref.kind === 'bundled') return ref;
  if (ref.kind === 'path') return { kind: 'path', path: platform.allowPath(ref.path, purpose) };
  const picked = await platform.pickFolder(purpose);
  if (!picked) throw new ContractError('cancelled', 'no folder was chosen');
  return { kind: 'path', path: picked };
}

/** The GPU job's folder: named ('path' or 'bundled'), since its two calls must resolve it the same way. */
function noDialog(ref: FolderRef): FolderRef {
  if (ref.kind === 'dialog') throw new ContractError('bad-argument', 'a GPU job needs its image folder named, not chosen in a dialog', 'choose the folder in the Images step first');
  return ref;
}

/** Model references for the comparison: folders vetted like model:load's; the presets pass as they are. */
async function resolveModels(platform: Platform, refs: ModelRef[]): Promise<ModelRef[]> {
  const out: ModelRef[] = [];
  for (const ref of refs) {
    out.push(ref.kind === 'bundled' || ref.kind === 'dialog' || ref.kind === 'path' ? await resolveFolder(platform, ref, 'model') : ref);
  }
  return out;
}

async function resolveLocation(
  platform: Platform,
  loc: ParsedRequestOf<'experiment:new'>['location'],
  purpose: FolderPurpose,
): Promise<{ kind: 'path'; path: string }> {
  if (loc.kind === 'scratch') return { kind: 'path', path: await platform.scratchDir() };
  if (loc.kind === 'path') return { kind: 'path', path: platform.allowPath(loc.path, purpose) };
  const picked = await platform.pickFolder(purpose);
  if (!picked) throw new ContractError('cancelled', 'no folder was chosen');
  return { kind: 'path', path: picked };
}

/** A file of the open experiment, resolved through symlinks and checked to stay inside it. */
export async function experimentFile(dir: string | undefined, rel: string): Promise<string> {
  if (!dir) throw new ContractError('no-experiment', 'no experiment is open', 'create a new experiment or open one first');
  const realFile = await confine(dir, rel, { what: rel, rootName: 'the experiment folder' });
  const s = await stat(realFile).catch(() => undefined);
  if (!s) throw new ContractError('io', `${rel}: not found in the open experiment`);
  if (!s.isFile()) throw new ContractError('io', `${rel}: not a file`);
  return realFile;
}

/**
 * One client's open experiment, when the host serves several (serve mode: one per workbench tab,
 * src/serve/sessions.ts). The folder is only ever one the engine created or opened for this
 * client through experiment:new or experiment:open (vetted like every other path).
 */
export interface ExperimentSession {
  experimentDir?: string;
}

/**
 * The routes for one client. With a session, every engine call carries that client's experiment
 * and the file routes read from it; without one (Electron's single window) the engine's open
 * experiment is used.
 */
export function createRoutes(host: EngineHost, platform: Platform, session?: ExperimentSession): Routes {
  const scope = (): CallScope | undefined => (session ? { experimentDir: session.experimentDir ?? null } : undefined);
  const call = <K extends EngineChannel>(channel: K, request: ParsedRequestOf<K>, label?: string) => host.call(channel, request, label, scope());
  const openDir = () => (session ? session.experimentDir : host.experimentDir);
  const opened = async (exp: ExperimentDto) => {
    if (session) session.experimentDir = exp.dir;
    await platform.recent.add(exp.dir, exp.name);
    await remember({ kind: 'path', path: exp.dir });
    return exp;
  };
  // Recent folders are a convenience: failing to record one never fails the load that used it.
  const remember = async (ref: FolderRef) => {
    if (ref.kind === 'path') await platform.folders?.remember(ref.path).catch(() => undefined);
  };
  const used = async <T>(ref: FolderRef, result: Promise<T>): Promise<T> => {
    const value = await result;
    await remember(ref);
    return value;
  };

  return {
    'app:info': async () => ({
      version: platform.version,
      mode: platform.mode,
      platform: process.platform,
      nativeDialogs: platform.nativeDialogs,
      engine: host.state(),
    }),
    'engine:restart': () => host.restart(),

    'model:info': (req) => call('model:info', req),
    'model:load': async (req) => {
      const source = await resolveFolder(platform, req.source, 'model');
      return used(source, call('model:load', { source }));
    },
    'model:setCard': (req) => call('model:setCard', req),
    'zoo:list': (req) => call('zoo:list', req),
    'zoo:pull': (req) => call('zoo:pull', req, `pull ${req.name}`),

    'images:list': async (req) => {
      const source = await resolveFolder(platform, req.source, 'images');
      return used(source, call('images:list', { ...req, source }));
    },
    'images:classify': async (req) => call('images:classify', { ...req, source: await resolveFolder(platform, req.source, 'images') }),

    'attack:list': (req) => call('attack:list', req),
    'transform:list': (req) => call('transform:list', req),

    'attack:start': async (req) => {
      const images = await resolveFolder(platform, req.images, 'images');
      return call('attack:start', { ...req, images }, runDisplayName(req.method, req.params));
    },
    'eval:run': (req) => call('eval:run', req, `evaluate ${req.transforms.join(', ')}`),
    'sheet:render': (req) => call('sheet:render', req, `sheets (${req.paper})`),
    'capture:register': (req) => call('capture:register', req, `register ${req.photos.length} photo(s)`),
    'report:export': (req) => call('report:export', req, `report (${req.format})`),
    'reproduce:run': (req) => call('reproduce:run', req, `reproduce ${req.template}`),
    'robustness:models': async (req) => call('robustness:models', { models: await resolveModels(platform, req.models) }),
    'robustness:run': async (req) => {
      const models = await resolveModels(platform, req.models);
      const images = await resolveFolder(platform, req.images, 'images');
      return call('robustness:run', { ...req, models, images }, `robustness: ${req.methods.join(', ')} × eps ${req.eps.join(', ')}`);
    },
    'robustness:suite': async (req) => {
      const models = await resolveModels(platform, req.models);
      const images = await resolveFolder(platform, req.images, 'images');
      return call('robustness:suite', { ...req, models, images }, `robustness: ${req.suite} suite × eps ${req.eps.join(', ')}`);
    },
    'patch:train': async (req) => {
      const images = await resolveFolder(platform, req.images, 'images');
      return call('patch:train', { ...req, images }, `patch ${req.target} × size ${req.sizes.join(', ')}`);
    },
    'patch:apply': async (req) => call('patch:apply', { ...req, images: await resolveFolder(platform, req.images, 'images') }, `patch run from ${req.patch.split('/').pop()}`),
    'patch:preview': async (req) => call('patch:preview', { ...req, images: await resolveFolder(platform, req.images, 'images') }),
    // The two calls of one GPU job must see the same folder, so a dialog is not offered here.
    'compute:prepare': async (req) => call('compute:prepare', { ...req, images: await resolveFolder(platform, noDialog(req.images), 'images') }),
    'compute:record': async (req) => call('compute:record', { ...req, request: { ...req.request, images: await resolveFolder(platform, noDialog(req.request.images), 'images') } }),

    'job:list': async () => host.listJobs(scope()),
    'job:status': async (req) => host.job(req.jobId),
    'job:cancel': (req) => host.cancel(req.jobId),
    'job:resume': (req) => host.resume(req.jobId, scope()),

    'experiment:new': async (req) => {
      const location = await resolveLocation(platform, req.location, 'new-experiment');
      return opened(await call('experiment:new', { ...req, location }));
    },
    'experiment:open': async (req) => {
      const location = await resolveLocation(platform, req.location, 'experiment');
      return opened(await call('experiment:open', { location }));
    },
    'experiment:current': (req) => call('experiment:current', req),
    'experiment:recent': () => platform.recent.list(),

    'run:images': (req) => call('run:images', req),
    'capture:photos': (req) => call('capture:photos', req),

    'file:read': async (req) => {
      const abs = await experimentFile(openDir(), req.path);
      const s = await stat(abs);
      if (s.size > MAX_FILE_BYTES) throw new ContractError('io', `${req.path} is too large to read here (${s.size} bytes)`);
      return { name: path.basename(abs), mime: MIME[path.extname(abs).toLowerCase()] ?? 'application/octet-stream', bytes: await readFile(abs) };
    },
    'file:export': async (req) => {
      const abs = await experimentFile(openDir(), req.path);
      return { savedTo: await platform.saveAs(abs, path.basename(abs)) };
    },
    'fs:list': async (req) => {
      if (!platform.folders) throw new ContractError('not-available', 'the desktop app picks folders with the system dialog, not this list', 'click the folder button (Open a TF.js model folder…, Image folder…) to open the dialog');
      return platform.folders.list(req.path);
    },
    'file:open': async (req) => {
      assertOpenable(req.path);
      const abs = await experimentFile(openDir(), req.path);
      // Again on the real path: a report.pdf symlink to run.sh inside the experiment is refused too.
      assertOpenable(abs);
      return { opened: await platform.openPath(abs) };
    },
  };
}
