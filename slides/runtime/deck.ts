import Reveal from 'reveal.js';
import Markdown from 'reveal.js/plugin/markdown';
import { deckApi, extractExecuteBlocks, HORIZONTAL_SEPARATOR, VERTICAL_SEPARATOR } from './resolve.js';

/**
 * Presents an ImJoy Slides markdown deck with reveal.js inside the host page. Slide HTML calls the
 * global `api` (getPlugin, createWindow, showMessage, …) exactly as in ImJoy Slides; plugin URLs
 * are resolved relative to the deck.
 */
export async function startSlides(root: HTMLElement, deckUrl: string, api: any): Promise<any> {
  const res = await fetch(deckUrl);
  if (!res.ok) throw new Error(`${deckUrl}: HTTP ${res.status}`);
  const { markdown, scripts } = extractExecuteBlocks(await res.text());
  (window as any).api = deckApi(api, deckUrl);
  document.body.classList.add('slides-mode');
  root.hidden = false;
  root.innerHTML = '<div class="reveal"><div class="slides"><section data-markdown></section></div></div>';
  const section = root.querySelector('section')!;
  section.setAttribute('data-separator', HORIZONTAL_SEPARATOR);
  section.setAttribute('data-separator-vertical', VERTICAL_SEPARATOR);
  const template = document.createElement('textarea');
  template.setAttribute('data-template', '');
  template.textContent = markdown;
  section.appendChild(template);
  const deck = new Reveal(root.querySelector('.reveal'), { plugins: [Markdown], hash: true, embedded: false, slideNumber: true });
  await deck.initialize();
  // Decks written for ImJoy Slides call `Reveal` from their execute blocks: it must exist first.
  (window as any).Reveal = deck;
  // biome-ignore lint/security/noGlobalEval: execute blocks are the deck author's code, run globally as ImJoy Slides runs them
  for (const code of scripts) (0, eval)(code);
  (window as any).slidesReady = true;
  return deck;
}
