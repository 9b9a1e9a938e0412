/**
 * A canned folder tree for FakeBridge's fs:list, shaped like serve mode's roots: the workspace and
 * the bundled assets (a model folder and the class-folder samples). A path outside them is
 * refused the way src/serve/folder-browser.ts refuses it, so component tests see the real error.
 */
import { ContractError, type FolderKind, type FolderListingDto, type ParsedRequestOf } from '../../../src/contract';

const ROOTS = [
  { name: 'Workspace', path: '/fake/workspace', readOnly: false },
  { name: 'Bundled assets', path: '/fake/assets', readOnly: true },
];

export const FAKE_TREE: Record<string, FolderKind> = {
  '/fake/workspace': 'folder',
  '/fake/workspace/experiment-1': 'experiment',
  '/fake/assets': 'folder',
  '/fake/assets/models': 'folder',
  '/fake/assets/models/fashion-cnn': 'model',
  '/fake/assets/models/fashion-cnn-hardened': 'model',
  '/fake/assets/samples': 'images',
  '/fake/assets/samples/Coat': 'photos',
};

const parentOf = (p: string) => p.slice(0, p.lastIndexOf('/'));

export function fakeFolderListing(req: ParsedRequestOf<'fs:list'>, recent: FolderListingDto['recent'] = []): FolderListingDto {
  const roots = ROOTS.map((r) => ({ ...r }));
  if (req.path === undefined) return { path: null, parent: null, kind: 'folder', entries: [], truncated: false, roots, recent };
  const p = req.path.replace(/\/+$/, '');
  if (!ROOTS.some((r) => p === r.path || p.startsWith(`${r.path}/`))) {
    throw new ContractError('forbidden', `${p} is outside the folders this workbench may open (/fake/workspace, /fake/assets)`, `choose a folder under one of those, or restart with printshot serve --allow ${p}`);
  }
  const kind = FAKE_TREE[p];
  if (!kind) throw new ContractError('io', `${p}: folder not found`, 'choose a folder from the list, or check the path for typos');
  const entries = Object.entries(FAKE_TREE)
    .filter(([q]) => parentOf(q) === p)
    .map(([q, k]) => ({ name: q.slice(q.lastIndexOf('/') + 1), path: q, kind: k }));
  return { path: p, parent: ROOTS.some((r) => r.path === p) ? null : parentOf(p), kind, entries, truncated: false, roots, recent };
}
