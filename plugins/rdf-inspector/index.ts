/**
 * RDF Inspector (ImJoy window plugin): a thin UI over src/rdf. Every string from an RDF goes into
 * the page as text (textContent) except Markdown, which goes through marked + DOMPurify.
 */
import { parse as parseYaml } from 'yaml';
import { pluginUrl } from '../_shared/assets.js';
import type { Card, TensorCard } from '../../src/rdf/card.js';
import { readCollection, searchCollection } from '../../src/rdf/collection.js';
import { explain04to05 } from '../../src/rdf/convert.js';
import { inspectRdf, type Inspection, type InspectSource } from '../../src/rdf/inspect.js';
import { loadRdf } from '../../src/rdf/load.js';
import { createSanitizer } from '../../src/rdf/markdown.js';
import type { RdfIssue } from '../../src/rdf/types.js';
import { webFileAccess } from '../../src/rdf/web.js';
import { $, el as make, imjoy } from '../_shared/ui.js';


const sanitizer = createSanitizer(window);
const MAX_DOC_BYTES = 2 * 1024 * 1024;

/** An element with text and a class: the shared builder, in the form this card's code reads best. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string | null, cls?: string): HTMLElementTagNameMap[K] {
  return make(tag, (cls ? { class: cls } : {}) as Parameters<typeof make<K>>[1], text ?? null);
}

function link(text: string, href: string | undefined): HTMLElement {
  const safe = sanitizer.safeUrl(href);
  if (!safe) return el('span', text);
  const a = el('a', text);
  a.href = safe;
  a.target = '_blank';
  a.rel = 'noopener noreferrer nofollow';
  return a;
}

let last: Inspection | undefined;

function status(msg: string | undefined) {
  const s = $('ri-status');
  s.hidden = !msg;
  s.textContent = msg ?? '';
}

// ---- validation panel and source view ------------------------------------------------------------

/** Two levels, as the official validator: the format verdict, then the file checks that ran or were skipped. */
function renderValidation(ins: Inspection) {
  const r = ins.result;
  const f = r.files;
  $('ri-validation').hidden = false;
  const v = $('ri-verdict');
  v.className = r.valid ? 'valid' : 'invalid';
  const conv = r.format.converted_from ? ` (read as ${r.format.checked_as}, converted like the official library)` : '';
  v.textContent = `format: ${r.valid ? '✓ valid' : '✗ invalid'} — ${r.type ?? '?'} ${r.format_version ?? ''}${conv} · ${r.errors.length} error(s), ${r.warnings.length} warning(s)`;
  const fl = $('ri-files');
  fl.className = !f.checked ? 'skipped' : f.errors.length ? 'invalid' : 'valid';
  fl.textContent = !f.checked
    ? `files: not checked — ${f.skipped[0]?.reason ?? 'no referenced files'} (${f.total} referenced file(s) skipped)`
    : `files: ${f.errors.length ? `✗ ${f.errors.length} problem(s)` : '✓ ok'} — checked ${f.ran} of ${f.total}${f.skipped.length ? `; could not check ${f.skipped.length}: ${f.skipped.map((x) => x.ref).join(', ')}` : ''}`;
  const ol = $('ri-issues');
  ol.replaceChildren();
  const add = (i: RdfIssue, level: 'format' | 'files') => {
    const li = el('li', null, i.severity);
    li.dataset.line = String(i.line ?? '');
    li.dataset.level = level;
    li.append(el('span', level === 'files' ? `file ${i.severity}` : i.severity, 'sev'), ' ', el('code', i.path || '(root)'), ` ${i.line ? `line ${i.line}: ` : ''}${i.message}`);
    li.onclick = () => showSource(i);
    ol.append(li);
  };
  for (const i of [...r.errors, ...r.warnings]) add(i, 'format');
  for (const i of [...f.errors, ...f.warnings]) add(i, 'files');
}

function showSource(issue?: RdfIssue) {
  if (!last) return;
  const pre = $('ri-source');
  pre.replaceChildren();
  const lines = last.text.split(/\r?\n/);
  let target: HTMLElement | undefined;
  lines.forEach((l, k) => {
    const span = el('span', l || ' ', 'ln');
    span.dataset.n = String(k + 1);
    if (issue?.line === k + 1) {
      span.classList.add('hl');
      target = span;
    }
    pre.append(span);
  });
  $('ri-source-box').hidden = false;
  target?.scrollIntoView({ block: 'center' });
}

// ---- card ---------------------------------------------------------------------------------------

function section(title: string, ...children: (Node | string)[]) {
  const s = el('div');
  s.append(el('h3', title), ...children);
  return s;
}

function tensorTable(ts: TensorCard[], kind: 'inputs' | 'outputs') {
  const t = el('table');
  const head = el('tr');
  for (const h of ['id', 'axes (size)', 'data', kind === 'inputs' ? 'preprocessing' : 'postprocessing', 'test tensor']) head.append(el('th', h));
  t.append(head);
  for (const x of ts) {
    const tr = el('tr');
    const axes = x.axes.map((a) => `${a.id}: ${a.size}${a.scale ? ` ·scale ${a.scale}` : ''}${a.unit ? ` ${a.unit}` : ''}${a.halo ? ` ·halo ${a.halo}` : ''}`).join('\n');
    const axesTd = el('td');
    axesTd.style.whiteSpace = 'pre';
    axesTd.textContent = axes;
    tr.append(el('td', x.description ? `${x.id} — ${x.description}` : x.id), axesTd, el('td', `${x.dtype}${x.range ? ' ' + x.range : ''}`), el('td', x.processing.join(' → ') || '—'), el('td', x.testTensor ?? '—'));
    t.append(tr);
  }
  return t;
}

/** Badges (linked icons) and cover images: only URLs the sanitizer lets through. */
function badgesAndCovers(c: Card): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (c.badges.length) {
    const b = el('div', null, 'ri-badges');
    for (const x of c.badges) {
      const a = link(x.label, x.url);
      const icon = sanitizer.safeUrl(x.icon);
      if (icon && a instanceof HTMLAnchorElement) {
        const img = el('img');
        img.src = icon;
        img.alt = x.label;
        a.replaceChildren(img);
      }
      b.append(a);
    }
    out.push(b);
  }
  const covers = c.covers.map((u) => sanitizer.safeUrl(u)).filter((u): u is string => !!u);
  if (covers.length) {
    const g = el('div', null, 'ri-covers');
    for (const u of covers) {
      const img = el('img');
      img.src = u;
      img.alt = 'cover';
      img.loading = 'lazy';
      g.append(img);
    }
    out.push(g);
  }
  return out;
}

/** Authors, maintainers, citations and links, each a section when there are any. */
function peopleAndLinks(c: Card, base: string | undefined): HTMLElement[] {
  const out: HTMLElement[] = [];
  const people = (ps: Card['authors'], title: string) => {
    if (!ps.length) return;
    const ul = el('ul');
    for (const p of ps) {
      const li = el('li', [p.name, p.affiliation && `(${p.affiliation})`].filter(Boolean).join(' '));
      if (p.orcid) li.append(' ', link('ORCID', `https://orcid.org/${encodeURIComponent(p.orcid)}`));
      if (p.github_user) li.append(' ', link(`@${p.github_user}`, `https://github.com/${encodeURIComponent(p.github_user)}`));
      ul.append(li);
    }
    out.push(section(title, ul));
  };
  people(c.authors, 'Authors');
  people(c.maintainers, 'Maintainers');
  if (c.cite.length) {
    const ul = el('ul');
    for (const ci of c.cite) {
      const li = el('li', ci.text + ' ');
      if (ci.doi) li.append(link(`doi:${ci.doi}`, ci.href));
      else if (ci.href) li.append(link(ci.href, ci.href));
      ul.append(li);
    }
    out.push(section('Citations', ul));
  }
  if (c.git_repo || c.source || c.links.length) {
    const d = el('div');
    if (c.git_repo) d.append(link('git repository', c.git_repo), ' ');
    if (c.source) d.append(link('source', sanitizer.safeUrl(c.source, base)), ' ');
    if (c.links.length) d.append(el('span', `links: ${c.links.join(', ')}`));
    out.push(d);
  }
  return out;
}

/** Tensors, weights and attachments (a model's files), each a section when there are any. */
function filesOf(c: Card): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (c.inputs.length) out.push(section('Inputs', tensorTable(c.inputs, 'inputs')));
  if (c.outputs.length) out.push(section('Outputs', tensorTable(c.outputs, 'outputs')));
  if (c.weights.length) {
    const t = el('table');
    const head = el('tr');
    for (const h of ['format', 'source', 'sha256', 'details']) head.append(el('th', h));
    t.append(head);
    for (const w of c.weights) {
      const tr = el('tr');
      const srcTd = el('td');
      srcTd.append(link(w.source, sanitizer.safeUrl(w.url)));
      tr.append(el('td', w.parent ? `${w.format} (from ${w.parent})` : w.format), srcTd, el('td', w.sha256 ?? '—', 'ri-hash'), el('td', w.details.join('; ')));
      t.append(tr);
    }
    out.push(section('Weights', t));
  }
  if (c.attachments.length) {
    const ul = el('ul');
    for (const a of c.attachments) {
      const li = el('li');
      li.append(link(a.source, sanitizer.safeUrl(a.url)));
      if (a.sha256) li.append(el('span', ` sha256 ${a.sha256}`, 'ri-hash'));
      ul.append(li);
    }
    out.push(section('Attachments', ul));
  }
  return out;
}

/** For a model: how a 0.4 description maps to 0.5, and the "Test run" button. */
function modelExtras(c: Card): HTMLElement[] {
  if (c.type !== 'model') return [];
  const out: HTMLElement[] = [];
  if (c.format_version.startsWith('0.4.') && last?.readable) {
    const p = explain04to05(last.result.converted?.data ?? parseYaml(last.text));
    const det = el('details');
    det.append(el('summary', 'How this 0.4 model maps to format 0.5'), el('p', p.disclaimer));
    const ul = el('ul');
    for (const st of p.steps) ul.append(el('li', `${st.from} → ${st.to}: ${st.note}`));
    det.append(ul);
    out.push(det);
  }
  const b = el('button', 'Test run');
  b.id = 'ri-test-run';
  b.disabled = true;
  b.title = 'open the Model Runner on this model (needs an RDF opened by URL and the Model Runner plugin next to this one)';
  out.push(b);
  void enableTestRun(b);
  return out;
}

/** The documentation: Markdown fetched and sanitized (DOMPurify), or why it was not loaded. */
async function documentation(box: HTMLElement, c: Card): Promise<void> {
  const doc = c.documentation ? sanitizer.safeUrl(c.documentation) : undefined;
  if (!doc) {
    if (c.documentation) box.append(el('div', `documentation: ${c.documentation} (not loaded: open the RDF by URL to resolve relative files)`, 'ri-doc'));
    return;
  }
  const d = el('div', 'loading documentation…', 'ri-doc');
  d.id = 'ri-doc';
  box.append(d);
  try {
    const res = await fetch(doc);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const md = await res.text();
    if (md.length > MAX_DOC_BYTES) throw new Error('documentation is larger than 2 MB');
    d.innerHTML = sanitizer.markdown(md, doc);
  } catch (e) {
    d.textContent = `documentation ${doc}: ${(e as Error).message}`;
  }
}

async function renderCard(c: Card, base: string | undefined) {
  const box = $('ri-card');
  box.replaceChildren();
  box.hidden = false;
  box.append(el('h2', c.name), el('div', `${c.type} · format ${c.format_version}${c.id ? ` · id ${c.id}` : ''}${c.version ? ` · version ${c.version}` : ''}${c.license ? ` · license ${c.license}` : ''}`, 'ri-meta'));
  if (c.description) box.append(el('p', c.description));
  box.append(...badgesAndCovers(c));
  if (c.tags.length) box.append(el('div', null), ...c.tags.map((t) => el('span', t, 'ri-tag')));
  box.append(...peopleAndLinks(c, base), ...filesOf(c), ...modelExtras(c));
  await documentation(box, c);
}

/** The Model Runner plugin next to this one (same dist folder), when it is there. */
async function modelRunnerSrc(): Promise<string | undefined> {
  const own = await pluginUrl(imjoy());
  if (!own) return undefined;
  const src = own.replace(/[^/]*\.imjoy\.html(\?.*)?$/, 'Model-Runner.imjoy.html');
  const res = await fetch(src, { method: 'GET' }).catch(() => undefined);
  return res?.ok ? src : undefined;
}

async function enableTestRun(b: HTMLButtonElement) {
  const src = await modelRunnerSrc();
  const location = last?.location;
  if (!src || !location) return;
  b.disabled = false;
  b.onclick = () => void test_run().catch((e) => status(`Test run: ${e?.message ?? e}`));
}

async function test_run() {
  const src = await modelRunnerSrc();
  if (!src) throw new Error('the Model Runner plugin is not available next to this plugin');
  if (!last?.location) throw new Error('open the model RDF by URL first (its files are resolved relative to it)');
  return imjoy().createWindow({ src, name: 'Model Runner', data: { source: last.location } });
}

// ---- API ----------------------------------------------------------------------------------------

function publicResult(ins: Inspection, withCard: boolean) {
  const r = ins.result;
  return { valid: r.valid, readable: ins.readable, type: r.type, format_version: r.format_version, errors: r.errors, warnings: r.warnings, format: r.format, files: r.files, location: ins.location, ...(withCard ? { card: ins.card } : {}) };
}

async function run(source: InspectSource, render: boolean) {
  if (source == null || source === '') throw new Error('inspect/validate: pass {source} (a URL, YAML text, a File/Blob or bytes)');
  status('reading…');
  try {
    const ins = await inspectRdf(source, {
      pageUrl: location.href,
      access: webFileAccess(),
      onProgress: (d, t, l) => status(`checking files ${d}/${t}${l ? ` (${l})` : ''}`),
    });
    if (render) {
      last = ins;
      status(undefined);
      renderValidation(ins);
      $('ri-source-box').hidden = true;
      if (ins.card) await renderCard(ins.card, ins.baseUrl);
      else $('ri-card').hidden = true;
    }
    return ins;
  } finally {
    if (!render) status(undefined);
  }
}

const sourceOf = (x: { source?: InspectSource } | InspectSource | undefined) =>
  x && typeof x === 'object' && !(x instanceof Blob) && !(x instanceof Uint8Array) && !(x instanceof ArrayBuffer) && 'source' in x ? x.source : (x as InspectSource);

async function inspect(x: { source: InspectSource } | InspectSource) {
  return publicResult(await run(sourceOf(x)!, true), true);
}

async function validate(x: { source: InspectSource } | InspectSource) {
  return publicResult(await run(sourceOf(x)!, false), false);
}

function init() {
  const go = (s: InspectSource) => void run(s, true).catch((e) => status(String(e?.message ?? e)));
  $('ri-open').onclick = () => go($<HTMLInputElement>('ri-url').value.trim());
  $<HTMLInputElement>('ri-url').onkeydown = (e) => e.key === 'Enter' && go($<HTMLInputElement>('ri-url').value.trim());
  $<HTMLInputElement>('ri-file').onchange = () => {
    const f = $<HTMLInputElement>('ri-file').files?.[0];
    if (f) go(f);
  };
  $('ri-paste-go').onclick = () => go({ text: $<HTMLTextAreaElement>('ri-paste').value, name: 'pasted.yaml' });
  $('ri-source-close').onclick = () => ($('ri-source-box').hidden = true);
}

imjoy().export({
  async setup() {
    init();
  },
  async run(ctx: { data?: { source?: InspectSource }; config?: { source?: InspectSource } }) {
    const source = ctx?.data?.source ?? ctx?.config?.source;
    if (source) {
      if (typeof source === 'string') $<HTMLInputElement>('ri-url').value = source;
      await run(source, true);
    }
  },
  inspect,
  validate,
  /** Lists/searches a collection (collection.json, index.json or a collection RDF) by URL. */
  async search_collection({ source, query = '' }: { source: string; query?: string }) {
    const l = await loadRdf(new URL(source, location.href).href);
    return searchCollection(readCollection(l.parsed.data, l.baseUrl), query);
  },
  test_run,
  /** Highlights the YAML line of the n-th issue (errors first), as a click would. */
  show_issue: async (n: number) => {
    const r = last?.result;
    const issues = r ? [...r.errors, ...r.warnings, ...r.files.errors, ...r.files.warnings] : [];
    showSource(issues[n]);
    return issues[n]?.line;
  },
});
