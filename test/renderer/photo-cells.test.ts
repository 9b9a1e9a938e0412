// @vitest-environment jsdom
/**
 * The channel in the workbench (issue 17): the perturbation maths (heat map colours, histogram
 * counts) against known answers, and the Evaluate and Capture views against FakeBridge: a
 * triptych per registered cell with top-5 each, zoom in a dialog, the gain slider, the marker
 * overlay, and everything restored from disk (capture:photos, the newest JSON report) on mount.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CapturePhotosDto, PhotoCellDto } from '../../src/contract';
import { heatmap, perturbationHistogram } from '../../renderer/src/lib/perturbation';
import { useAppStore } from '../../renderer/src/stores/app';
import CaptureView from '../../renderer/src/views/CaptureView.vue';
import EvaluateView from '../../renderer/src/views/EvaluateView.vue';
import { TINY_PNG } from '../support/fake-bridge/fake-data';
import { experimentWithRun, FakeBridge, flushPromises, mountWith, stubDom } from './helpers';

beforeEach(stubDom);

const rgba = (values: number[][]) => ({ width: values.length, height: 1, data: new Uint8ClampedArray(values.flatMap((v) => [...v, 255])) });

describe('perturbation maths', () => {
  it('maps zero to white, raised pixels to red and lowered ones to blue, saturating at gain·|d| = 255', () => {
    const clean = rgba([[100, 100, 100], [100, 100, 100], [100, 100, 100], [100, 100, 100]]);
    const adv = rgba([[100, 100, 100], [116, 116, 116], [84, 84, 84], [200, 200, 200]]);
    const out = heatmap(clean, adv, 8); // 16 · 8 = 128 → halfway
    expect([...out.slice(0, 4)]).toEqual([255, 255, 255, 255]);
    expect([...out.slice(4, 8)]).toEqual([255, 127, 127, 255]);
    expect([...out.slice(8, 12)]).toEqual([127, 127, 255, 255]);
    expect([...out.slice(12, 16)]).toEqual([255, 0, 0, 255]);
    expect([...heatmap(clean, adv, 1).slice(4, 8)]).toEqual([255, 239, 239, 255]);
  });

  it('counts each difference once per grey pixel and once per channel of a colour pixel', () => {
    const grey = perturbationHistogram(rgba([[10, 10, 10], [10, 10, 10], [10, 10, 10]]), rgba([[26, 26, 26], [-6 + 10, 4, 4], [10, 10, 10]]));
    expect(grey.linf).toBe(16);
    expect(grey.values).toHaveLength(33);
    expect(grey.counts[grey.values.indexOf(16)]).toBe(1);
    expect(grey.counts[grey.values.indexOf(-6)]).toBe(1);
    expect(grey.counts[grey.values.indexOf(0)]).toBe(1);
    const colour = perturbationHistogram(rgba([[10, 20, 30]]), rgba([[12, 20, 27]]));
    expect(colour.values).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(colour.counts).toEqual([1, 0, 0, 1, 0, 1, 0]);
  });
});

const top = (labels: number[]) => labels.map((label, i) => ({ label, name: `class ${label}`, prob: 0.5 / (i + 1) }));
function cell(n: number, role: PhotoCellDto['role'], photoTop: number[]): PhotoCellDto {
  return {
    photo: 'webcam-1', cell: n, role, relPath: `shirt/${n >> 1}.png`, label: 6, labelName: 'shirt', runLabel: 'fgsm eps=16',
    clean: TINY_PNG, adversarial: TINY_PNG, photoCrop: TINY_PNG, cleanTop5: top([6, 0, 2, 3, 4]), advTop5: top([0, 6, 2, 3, 4]), photoTop5: top(photoTop),
  };
}
const photos: CapturePhotosDto = {
  accepted: 1, rejected: 1, duplicates: 0, note: null,
  photos: [{
    id: 'webcam-1', original: 'captures/originals/webcam-1.png', width: 1280, height: 720, sheetId: 'E856AB83', rectified: 'captures/webcam-1/sheet.png', cells: 4,
    markerQuads: [0, 1, 2, 3].map((corner) => ({ corner, corners: [{ x: 10, y: 10 }, { x: 60, y: 10 }, { x: 60, y: 60 }, { x: 10, y: 60 }] })), reprojectionMaxMm: 0.21, condition: null, registeredAt: 'now',
  }],
  cells: [cell(0, 'clean', [6, 0, 1, 2, 3]), cell(1, 'adversarial', [0, 6, 1, 2, 3]), cell(2, 'clean', [6, 1, 0, 2, 3]), cell(3, 'adversarial', [6, 0, 1, 2, 3])],
};
const report = {
  schemaVersion: 1, generatedAt: 'then', notes: [],
  tables: [{ id: 'table3-photo', number: 'Table 3', title: 'photos', channel: 'photo', columns: [{ key: 'avg1', label: 'top-1', group: 'Average' }], rows: [{ key: 'r', label: 'fgsm eps=16', cells: { avg1: { value: 0.5, format: 'pct', numerator: 1, denominator: 2 } } }] }],
  captures: { present: true, accepted: 1, rejected: 1, duplicates: 0, discardRate: { value: 0.5, format: 'pct', numerator: 1, denominator: 2 }, reasons: [] },
};

function diskBridge(): FakeBridge {
  return new FakeBridge()
    .handle('experiment:current', () => experimentWithRun(['reports/report-2026-01-01T00-00-00-000Z.json', 'reports/report-2026-02-01T00-00-00-000Z.json', 'reports/report-2026-03-01.pdf']))
    .handle('capture:photos', () => photos)
    .handle('file:read', (req) => ({ name: 'x', mime: 'application/octet-stream', bytes: req.path.endsWith('.json') ? new TextEncoder().encode(JSON.stringify(report)) : TINY_PNG }));
}

describe('EvaluateView: registered cells', () => {
  it('restores the photos, a triptych per registered cell and the newest photo results from disk, with no job', async () => {
    const fake = diskBridge();
    const { wrapper } = mountWith(EvaluateView, fake);
    await useAppStore().init();
    await flushPromises();
    expect(fake.callsOf('capture:photos')).toEqual([{ predict: true }]);
    expect(fake.callsOf('file:read').map((r) => r.path)).toContain('reports/report-2026-02-01T00-00-00-000Z.json');
    expect(fake.callsOf('report:export')).toHaveLength(0);
    expect(wrapper.get('[data-testid="photo-destruction"]').text()).toContain('top-1 50.0 % (1/2)');
    const trips = wrapper.findAll('[data-testid="cell-triptych"]');
    expect(trips).toHaveLength(photos.cells.length);
    for (const t of trips) {
      expect(t.findAll('figure[data-panel]').map((f) => f.attributes('data-panel'))).toEqual(['clean', 'adversarial', 'photo', 'perturbation']);
      expect(t.findAll('ol.top5')).toHaveLength(3);
      expect(t.findAll('ol.top5 li')).toHaveLength(15);
    }
    // The true class is marked; the verdicts follow each panel's top-1.
    expect(trips[1].get('[data-panel="photo"]').attributes('data-verdict')).toBe('wrong');
    expect(trips[3].get('[data-panel="photo"]').attributes('data-verdict')).toBe('right');
    expect(trips[1].get('[data-panel="adversarial"] li.truth').text()).toContain('class 6');
    expect(wrapper.get('[data-testid="photo-cells-summary"]').text()).toContain('the model is wrong on 1 of 2 photographed adversarial cells');
    // The marker overlay: one quad per corner, in the photo's pixel coordinates.
    const overlay = wrapper.get('[data-testid="marker-overlay"]');
    expect(overlay.attributes('viewBox')).toBe('0 0 1280 720');
    expect(overlay.findAll('polygon')).toHaveLength(4);
    expect(fake.callsOf('file:read').map((r) => r.path)).toEqual(expect.arrayContaining(['captures/originals/webcam-1.png', 'captures/webcam-1/sheet.png']));
    wrapper.unmount();
  });

  it('zooms an image in a dialog that Close (or Esc, the dialog close event) shuts; the gain slider reaches the heat maps', async () => {
    const { wrapper } = mountWith(EvaluateView, diskBridge());
    await useAppStore().init();
    await flushPromises();
    const dialog = wrapper.get('[data-testid="zoom-dialog"]');
    expect(dialog.attributes('open')).toBeUndefined();
    await wrapper.findAll('[data-testid="cell-triptych"]')[1].get('[data-panel="photo"] button').trigger('click');
    await flushPromises();
    expect(dialog.attributes('open')).toBeDefined();
    expect(dialog.get('#zoom-title').text()).toBe('photo of the adversarial print · cell 1 · shirt/0.png');
    expect(dialog.find('[data-testid="zoom-image"]').exists()).toBe(true);
    await dialog.get('button').trigger('click');
    await flushPromises();
    expect(dialog.attributes('open')).toBeUndefined();
    await wrapper.get('[data-testid="rectified-sheet"]').trigger('click');
    await flushPromises();
    expect(dialog.get('#zoom-title').text()).toBe('rectified sheet · webcam-1');
    await dialog.trigger('close');
    await flushPromises();
    expect(dialog.find('[data-testid="zoom-image"]').exists()).toBe(false);
    await wrapper.get('[data-testid="perturbation-gain"]').setValue('32');
    expect(wrapper.get('[data-panel="perturbation"] canvas').attributes('aria-label')).toContain('×32');
    wrapper.unmount();
  });

  it('says there is nothing to show when no photo was accepted', async () => {
    const fake = diskBridge().handle('capture:photos', () => ({ ...photos, accepted: 0, photos: [], cells: [] }));
    const { wrapper } = mountWith(EvaluateView, fake);
    await useAppStore().init();
    await flushPromises();
    expect(wrapper.get('[data-testid="no-photos"]').text()).toContain('No photo of this experiment');
    expect(wrapper.findAll('[data-testid="cell-triptych"]')).toHaveLength(0);
    wrapper.unmount();
  });
});

describe('CaptureView: photos of the experiment', () => {
  it("counts the experiment's accepted photos (not this session's) and shows each with its overlay", async () => {
    const fake = diskBridge();
    const { wrapper } = mountWith(CaptureView, fake);
    await useAppStore().init();
    await flushPromises();
    expect(fake.callsOf('capture:photos')).toContainEqual({ predict: false });
    expect(wrapper.get('[data-testid="capture-accepted"]').text()).toBe('1 photo(s) accepted in this experiment.');
    expect(wrapper.findAll('[data-testid="registered-photo"]')).toHaveLength(1);
    expect(wrapper.get('[data-testid="marker-overlay"]').findAll('polygon')).toHaveLength(4);
    wrapper.unmount();
  });
});
