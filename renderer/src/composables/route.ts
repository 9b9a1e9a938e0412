/** Hash navigation between the workbench steps (#/model, #/attack, …): no server-side routes. */
import { onBeforeUnmount, ref } from 'vue';

export const VIEWS = [
  { id: 'model', title: 'Model' },
  { id: 'images', title: 'Images' },
  { id: 'attack', title: 'Attack' },
  { id: 'patch', title: 'Patch' },
  { id: 'print', title: 'Print' },
  { id: 'capture', title: 'Capture' },
  { id: 'evaluate', title: 'Evaluate' },
  { id: 'defences', title: 'Defences' },
  { id: 'report', title: 'Report' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

function fromHash(): ViewId {
  const h = (typeof location !== 'undefined' ? location.hash : '').replace(/^#\/?/, '');
  return (VIEWS.find((v) => v.id === h)?.id ?? 'model') as ViewId;
}

export function useRoute() {
  const current = ref<ViewId>(fromHash());
  const onHash = () => (current.value = fromHash());
  window.addEventListener('hashchange', onHash);
  onBeforeUnmount(() => window.removeEventListener('hashchange', onHash));
  function go(id: ViewId): void {
    current.value = id;
    if (location.hash !== `#/${id}`) history.replaceState(null, '', `#/${id}`);
  }
  return { current, go };
}
