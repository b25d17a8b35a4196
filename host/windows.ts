import { modal } from './ui.js';

/**
 * A minimal window manager: imjoy-core emits `add_window` and then renders the plugin iframe into
 * the element whose id is the window's `window_id`. We provide that element as a tab (or tile),
 * inside a dialog for `showDialog`, or leave it alone when the page already has it (slides embed
 * windows into their own divs by `window_id`).
 */
export interface ImJoyWindow {
  window_id: string;
  name?: string;
  dialog?: boolean;
  api?: { close?: () => void; emit?: (ev: string) => void };
}

const tabs = new Map<string, { tab: HTMLElement; panel: HTMLElement }>();

function activate(id: string) {
  for (const [wid, { tab, panel }] of tabs) {
    tab.classList.toggle('active', wid === id);
    panel.classList.toggle('active', wid === id);
  }
}

export function addWindow(w: ImJoyWindow, onClose: (w: ImJoyWindow) => void): void {
  if (document.getElementById(w.window_id)) return; // embedded by the page (e.g. a slide)
  const body = document.createElement('div');
  body.className = 'body';
  body.id = w.window_id;
  if (w.dialog || document.body.classList.contains('slides-mode')) {
    const m = modal(w.name ?? 'Window', body, [], 'window-dialog');
    void m.result.then(() => onClose(w));
    return;
  }
  const panel = document.createElement('section');
  panel.className = 'imjoy-window';
  const title = document.createElement('div');
  title.className = 'title';
  title.textContent = w.name ?? 'Window';
  panel.append(title, body);
  const tab = document.createElement('div');
  tab.className = 'tab';
  tab.textContent = w.name ?? 'Window';
  const x = document.createElement('span');
  x.className = 'x';
  x.textContent = '×';
  x.title = 'Close';
  x.onclick = (e) => {
    e.stopPropagation();
    onClose(w);
  };
  tab.appendChild(x);
  tab.onclick = () => activate(w.window_id);
  document.getElementById('tabs')!.appendChild(tab);
  document.getElementById('windows')!.appendChild(panel);
  tabs.set(w.window_id, { tab, panel });
  activate(w.window_id);
}

export function removeWindow(w: ImJoyWindow): void {
  const t = tabs.get(w.window_id);
  if (!t) return;
  t.tab.remove();
  t.panel.remove();
  tabs.delete(w.window_id);
  const last = [...tabs.keys()].pop();
  if (last) activate(last);
}

export function toggleLayout(button: HTMLElement): void {
  const ws = document.getElementById('workspace')!;
  const tiled = ws.classList.toggle('tiled');
  ws.classList.toggle('tabbed', !tiled);
  button.textContent = tiled ? 'Tabbed' : 'Tiled';
}
