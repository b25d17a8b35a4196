import { describe, expect, it } from 'vitest';
import { deckApi, extractExecuteBlocks, resolveSrc, splitDeck } from '../../slides/runtime/resolve.js';

const deck = 'http://example.org/talks/slides/deck.md';

describe('slides runtime helpers', () => {
  it('resolves plugin URLs relative to the deck, leaving absolute URLs, code and repo URIs alone', () => {
    expect(resolveSrc('../dist/plugins/A.imjoy.html', deck)).toBe('http://example.org/talks/dist/plugins/A.imjoy.html');
    expect(resolveSrc('B.imjoy.html', deck)).toBe('http://example.org/talks/slides/B.imjoy.html');
    expect(resolveSrc('https://x.org/C.imjoy.html', deck)).toBe('https://x.org/C.imjoy.html');
    expect(resolveSrc('imjoy-team/repo:Plugin Name', deck)).toBe('imjoy-team/repo:Plugin Name');
    const code = '<config lang="json">{}</config>\n<script></script>';
    expect(resolveSrc(code, deck)).toBe(code);
  });

  it('wraps getPlugin/createWindow/showDialog but passes other calls through', async () => {
    const seen: unknown[] = [];
    const api = {
      getPlugin: async (c: unknown) => seen.push(c),
      createWindow: async (c: unknown) => seen.push(c),
      showDialog: async (c: unknown) => seen.push(c),
      showMessage: (m: string) => seen.push(m),
    };
    const wrapped = deckApi(api, deck);
    await wrapped.getPlugin({ src: 'P.imjoy.html' });
    await wrapped.createWindow({ src: '../W.imjoy.html', window_id: 'w1' });
    await wrapped.showDialog('./D.imjoy.html');
    wrapped.showMessage('hi');
    expect(seen).toEqual([
      { src: 'http://example.org/talks/slides/P.imjoy.html' },
      { src: 'http://example.org/talks/W.imjoy.html', window_id: 'w1' },
      'http://example.org/talks/slides/D.imjoy.html',
      'hi',
    ]);
  });

  it('extracts ```javascript execute blocks and keeps other code blocks', () => {
    const md = 'a\n```javascript execute\nx = 1;\n```\nb\n```javascript\nshown();\n```\n';
    const { markdown, scripts } = extractExecuteBlocks(md);
    expect(scripts).toEqual(['x = 1;\n']);
    expect(markdown).toContain('shown();');
    expect(markdown).not.toContain('x = 1');
  });

  it('splits horizontal slides on ----- and vertical ones on --- but not on table rules', () => {
    const parts = splitDeck('one\n-----\ntwo\n\na|b\n---|---\n1|2\n---\ntwo-b\n-----\nthree');
    expect(parts.map((h) => h.length)).toEqual([1, 2, 1]);
    expect(parts[1][0]).toContain('---|---');
  });
});
