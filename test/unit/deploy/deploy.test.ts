/**
 * deploy/: the Kubernetes Indexed Job, the Slurm array and the container image (issue 21).
 *
 * No cluster, kubeconform, hadolint or Docker daemon is on this machine or CI's (kubectl's client
 * dry run needs an API server for discovery), so: the YAML is parsed and checked against the
 * fields of the Kubernetes API it uses (unknown keys are refused, so a misspelt field fails) and
 * against itself (N agrees everywhere, volumes and mounts and the campaign path match); the shell
 * scripts pass `bash -n` and, where installed, shellcheck, and run against a stand-in CLI and a
 * stand-in sbatch that record what they were asked; the Dockerfile's instructions are read and
 * checked against the repository. docs/scale.md says what this does not cover.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli/run-cli';

const yaml = createRequire(import.meta.url)('js-yaml') as { loadAll(text: string): unknown[] };
type Obj = Record<string, unknown>;
const DEPLOY = path.join(ROOT, 'deploy');
const docs = async (file: string) => yaml.loadAll(await readFile(path.join(DEPLOY, 'kubernetes', file), 'utf8')).filter(Boolean) as Obj[];
const byKind = (ds: Obj[], kind: string) => ds.filter((d) => d.kind === kind);

/** The fields of the Kubernetes API objects these manifests use (batch/v1 Job, core/v1). */
const FIELDS: Record<string, string[]> = {
  object: ['apiVersion', 'kind', 'metadata', 'spec', 'data'],
  metadata: ['name', 'labels', 'annotations', 'namespace'],
  jobSpec: ['completionMode', 'completions', 'parallelism', 'backoffLimit', 'backoffLimitPerIndex', 'maxFailedIndexes', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished', 'template'],
  podTemplate: ['metadata', 'spec'],
  podSpec: ['restartPolicy', 'securityContext', 'containers', 'volumes', 'nodeSelector', 'tolerations'],
  podSecurity: ['runAsUser', 'runAsGroup', 'fsGroup', 'runAsNonRoot'],
  container: ['name', 'image', 'command', 'args', 'env', 'resources', 'volumeMounts', 'workingDir'],
  env: ['name', 'value', 'valueFrom'],
  resources: ['requests', 'limits'],
  quantity: ['cpu', 'memory', 'ephemeral-storage'],
  volumeMount: ['name', 'mountPath', 'readOnly', 'subPath'],
  volume: ['name', 'persistentVolumeClaim', 'configMap', 'emptyDir'],
  pvcSpec: ['accessModes', 'resources', 'storageClassName'],
};
function keysIn(where: string, o: unknown, kind: keyof typeof FIELDS): void {
  expect(o, where).toBeTypeOf('object');
  const unknown = Object.keys(o as Obj).filter((k) => !FIELDS[kind].includes(k));
  expect(unknown, `${where}: not a field of ${kind}`).toEqual([]);
}
function checkPod(where: string, job: Obj): { pod: Obj; containers: Obj[] } {
  const spec = job.spec as Obj;
  keysIn(`${where}.spec`, spec, 'jobSpec');
  const tpl = spec.template as Obj;
  keysIn(`${where}.spec.template`, tpl, 'podTemplate');
  const pod = tpl.spec as Obj;
  keysIn(`${where}.pod`, pod, 'podSpec');
  if (pod.securityContext) keysIn(`${where}.securityContext`, pod.securityContext, 'podSecurity');
  expect(pod.restartPolicy, 'a Job pod restarts Never or OnFailure').toMatch(/^(Never|OnFailure)$/);
  const containers = pod.containers as Obj[];
  expect(containers.length).toBeGreaterThan(0);
  const volumes = (pod.volumes ?? []) as Obj[];
  for (const v of volumes) keysIn(`${where}.volume`, v, 'volume');
  for (const c of containers) {
    keysIn(`${where}.container`, c, 'container');
    expect(c.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(c.image).toBeTypeOf('string');
    for (const e of (c.env ?? []) as Obj[]) {
      keysIn(`${where}.env`, e, 'env');
      expect(typeof e.value, `env ${String(e.name)}: values are strings`).toBe('string');
    }
    const res = c.resources as Obj | undefined;
    if (res) {
      keysIn(`${where}.resources`, res, 'resources');
      for (const q of Object.values(res)) keysIn(`${where}.resources.*`, q, 'quantity');
    }
    for (const m of (c.volumeMounts ?? []) as Obj[]) {
      keysIn(`${where}.volumeMount`, m, 'volumeMount');
      expect(volumes.map((v) => v.name), `mount ${String(m.name)} has a volume`).toContain(m.name);
    }
  }
  return { pod, containers };
}

describe('Kubernetes manifests', () => {
  it('shards-job.yaml: an Indexed Job, completions = parallelism = SHARDS, index → shard through run-shard.sh', async () => {
    const ds = await docs('shards-job.yaml');
    for (const d of ds) {
      keysIn(`${String(d.kind)}`, d, 'object');
      keysIn(`${String(d.kind)}.metadata`, d.metadata, 'metadata');
      expect((d.metadata as Obj).name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(ds.map((d) => `${String(d.apiVersion)} ${String(d.kind)}`)).toEqual(['v1 ConfigMap', 'v1 PersistentVolumeClaim', 'batch/v1 Job']);
    const [job] = byKind(ds, 'Job');
    const spec = job.spec as Obj;
    expect(spec.completionMode).toBe('Indexed');
    const { pod, containers } = checkPod('Job', job);
    expect(pod.restartPolicy).toBe('Never');
    const [c] = containers;
    const env = Object.fromEntries(((c.env ?? []) as Obj[]).map((e) => [e.name, e.value]));
    expect(spec.completions).toBeTypeOf('number');
    expect(spec.parallelism).toBe(spec.completions);
    expect(Number(env.SHARDS)).toBe(spec.completions);
    expect(c.command).toEqual(['/app/deploy/run-shard.sh']);
    expect(await readFile(path.join(DEPLOY, 'run-shard.sh'), 'utf8')).toMatch(/k=\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/);
    // The campaign file it reads is the ConfigMap's key, mounted where CAMPAIGN says.
    const [cm] = byKind(ds, 'ConfigMap');
    const campaignMount = ((c.volumeMounts ?? []) as Obj[]).find((m) => String(env.CAMPAIGN).startsWith(`${String(m.mountPath)}/`))!;
    const campaignVolume = ((pod.volumes ?? []) as Obj[]).find((v) => v.name === campaignMount.name)!;
    expect((campaignVolume.configMap as Obj).name).toBe((cm.metadata as Obj).name);
    expect(Object.keys(cm.data as Obj)).toContain(path.basename(String(env.CAMPAIGN)));
    // Shards land on the shared volume, a ReadWriteMany claim.
    const [pvc] = byKind(ds, 'PersistentVolumeClaim');
    keysIn('PVC.spec', pvc.spec, 'pvcSpec');
    expect((pvc.spec as Obj).accessModes).toEqual(['ReadWriteMany']);
    const dataMount = ((c.volumeMounts ?? []) as Obj[]).find((m) => String(env.OUT_ROOT).startsWith(`${String(m.mountPath)}/`))!;
    const dataVolume = ((pod.volumes ?? []) as Obj[]).find((v) => v.name === dataMount.name)!;
    expect((dataVolume.persistentVolumeClaim as Obj).claimName).toBe((pvc.metadata as Obj).name);
  });

  it('merge-job.yaml: one pod, same image and claim, merges OUT_ROOT/shard-* into one folder', async () => {
    const [shards] = byKind(await docs('shards-job.yaml'), 'Job');
    const ds = await docs('merge-job.yaml');
    expect(ds.map((d) => `${String(d.apiVersion)} ${String(d.kind)}`)).toEqual(['batch/v1 Job']);
    const merge = ds[0];
    keysIn('merge', merge, 'object');
    expect((merge.spec as Obj).completions).toBe(1);
    const { pod, containers } = checkPod('merge', merge);
    const s = checkPod('shards', shards);
    expect(containers[0].image).toBe(s.containers[0].image);
    const claim = (p: Obj) => ((p.volumes as Obj[]).find((v) => v.persistentVolumeClaim)!.persistentVolumeClaim as Obj).claimName;
    expect(claim(pod)).toBe(claim(s.pod));
    const outRoot = ((s.containers[0].env as Obj[]).find((e) => e.name === 'OUT_ROOT')!).value as string;
    expect((containers[0].args as string[]).join(' ')).toContain(`experiments merge ${outRoot}/shard-* --out /data/merged`);
  });
});

let work: string;
let fakeCli: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'printshot-deploy-'));
  // A stand-in for the CLI: records its arguments, one line per call.
  fakeCli = path.join(work, 'fake-printshot.sh');
  await writeFile(fakeCli, `#!/bin/sh\necho "$*" >> "${work}/calls.log"\n`);
  await chmod(fakeCli, 0o755);
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const SCRIPTS = ['run-shard.sh', 'slurm/shards.sbatch', 'slurm/merge.sbatch', 'slurm/submit.sh'];
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;

describe('shell scripts', () => {
  it.each(SCRIPTS)('%s parses (bash -n)', (f) => {
    const r = spawnSync('bash', ['-n', path.join(DEPLOY, f)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it.skipIf(!hasShellcheck)('pass shellcheck', () => {
    const r = spawnSync('shellcheck', ['-s', 'bash', ...SCRIPTS.map((f) => path.join(DEPLOY, f))], { encoding: 'utf8' });
    expect(r.status, r.stdout).toBe(0);
  });

  const runShard = (env: Record<string, string>) =>
    spawnSync('sh', [path.join(DEPLOY, 'run-shard.sh')], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', PRINTSHOT: fakeCli, OUT_ROOT: path.join(work, 'shards'), ...env } });

  it('run-shard.sh: Kubernetes index k → shard k+1, Slurm task k → shard k; every campaign line once, in order, skipped on a retry', async () => {
    const campaign = path.join(work, 'campaign.txt');
    await writeFile(campaign, '# comment\n--method bim --eps 8\n\n--method fgsm --eps 4');
    const calls = async () => (await readFile(path.join(work, 'calls.log'), 'utf8').catch(() => '')).trim().split('\n').filter(Boolean);
    const k8s = runShard({ JOB_COMPLETION_INDEX: '2', SHARDS: '4', CAMPAIGN: campaign });
    expect(k8s.status, k8s.stderr).toBe(0);
    const out3 = path.join(work, 'shards', 'shard-3');
    expect(await calls()).toEqual([`attack --method bim --eps 8 --shard 3/4 --out ${out3}`, `attack --method fgsm --eps 4 --shard 3/4 --out ${out3}`]);
    // A retried pod: both lines are done, nothing runs again.
    expect(runShard({ JOB_COMPLETION_INDEX: '2', SHARDS: '4', CAMPAIGN: campaign }).stdout).toMatch(/line 2 done already[\s\S]*line 4 done already/);
    expect(await calls()).toHaveLength(2);
    const slurm = runShard({ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_COUNT: '4', CAMPAIGN: campaign });
    expect(slurm.status, slurm.stderr).toBe(0);
    expect((await calls()).slice(2)).toEqual([0, 1].map((i) => `attack ${['--method bim --eps 8', '--method fgsm --eps 4'][i]} --shard 4/4 --out ${path.join(work, 'shards', 'shard-4')}`));
    const none = runShard({ SHARDS: '4', CAMPAIGN: campaign });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/no shard index/);
  });

  it('submit.sh: an array 1-N, then the merge after all of it (afterok)', async () => {
    const bin = path.join(work, 'bin');
    await mkdir(bin, { recursive: true });
    // A stand-in sbatch: records its arguments and answers job ids 101, 102 as --parsable does.
    await writeFile(path.join(bin, 'sbatch'), `#!/bin/sh\necho "$*" >> "${work}/sbatch.log"\nn=$(wc -l < "${work}/sbatch.log")\necho "$((100 + n))"\n`);
    await chmod(path.join(bin, 'sbatch'), 0o755);
    const r = spawnSync('bash', [path.join(DEPLOY, 'slurm/submit.sh'), '6'], { encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH ?? ''}` } });
    expect(r.status, r.stderr).toBe(0);
    const log = (await readFile(path.join(work, 'sbatch.log'), 'utf8')).trim().split('\n');
    expect(log).toEqual([`--parsable --array=1-6 ${path.join(DEPLOY, 'slurm/shards.sbatch')}`, `--parsable --dependency=afterok:101 ${path.join(DEPLOY, 'slurm/merge.sbatch')}`]);
    expect(r.stdout).toMatch(/job array 101 \(1-6\); merge: job 102/);
    expect(spawnSync('bash', [path.join(DEPLOY, 'slurm/submit.sh'), 'x'], { encoding: 'utf8' }).status).toBe(2);
  });
});

describe('Dockerfile (hadolint and a Docker daemon are not available here: its instructions are checked)', () => {
  it('two stages on node:20-bookworm-slim; the runtime has production dependencies, the bundle, and runs the CLI headless as a non-root user', async () => {
    const text = await readFile(path.join(DEPLOY, 'Dockerfile'), 'utf8');
    // Instructions, continuation lines joined, comments dropped.
    const lines = text.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const op = (l: string) => l.split(/\s+/)[0];
    expect(lines.every((l) => ['FROM', 'WORKDIR', 'COPY', 'RUN', 'ENV', 'USER', 'ENTRYPOINT', 'CMD'].includes(op(l))), lines.join('\n')).toBe(true);
    const froms = lines.filter((l) => op(l) === 'FROM');
    expect(froms).toEqual(['FROM node:20-bookworm-slim AS build', 'FROM node:20-bookworm-slim']);
    const runtime = lines.slice(lines.indexOf(froms[1]));
    expect(runtime.find((l) => op(l) === 'RUN' && l.includes('npm ci'))).toMatch(/npm ci --omit=dev/);
    expect(runtime.join('\n')).toMatch(/PRINTSHOT_BUNDLE=on/);
    expect(runtime.join('\n')).toMatch(/PRINTSHOT_BACKEND=wasm/);
    expect(runtime.find((l) => op(l) === 'USER')).toBe('USER node');
    const entry = JSON.parse(runtime.find((l) => op(l) === 'ENTRYPOINT')!.slice('ENTRYPOINT'.length)) as string[];
    expect(entry).toEqual(['node', '/app/bin/printshot.mjs']);
    expect(lines.some((l) => l === 'RUN node scripts/build-cli.mjs --quiet')).toBe(true);
    // Every source the COPY lines name exists in the repository (the build context).
    for (const l of lines.filter((x) => op(x) === 'COPY' && !x.includes('--from'))) {
      const parts = l.split(/\s+/).slice(1, -1);
      for (const src of parts.filter((p) => p !== '.')) expect(existsSync(path.join(ROOT, src)), `COPY ${src}`).toBe(true);
    }
    expect(existsSync(path.join(ROOT, 'scripts/build-cli.mjs'))).toBe(true);
    const ignore = (await readFile(path.join(DEPLOY, 'Dockerfile.dockerignore'), 'utf8')).split('\n');
    for (const p of ['node_modules', 'bundle', '.git']) expect(ignore).toContain(p);
    expect((await readdir(DEPLOY)).sort()).toEqual(['Dockerfile', 'Dockerfile.dockerignore', 'README.md', 'campaign.txt', 'kubernetes', 'run-shard.sh', 'slurm']);
  });
});
