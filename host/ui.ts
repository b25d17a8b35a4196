// Host-side implementations of ImJoy's UI API (showMessage, alert, confirm, prompt, showProgress),
// written against the plain DOM so the host works offline with no UI framework.

const $ = (id: string) => document.getElementById(id)!;

export function showMessage(msg: unknown, durationSeconds = 5): void {
  const el = document.createElement('div');
  el.className = 'msg';
  el.textContent = String(msg);
  $('snackbar').appendChild(el);
  setTimeout(() => el.remove(), Math.max(1, Number(durationSeconds) || 5) * 1000);
}

export function showStatus(msg: unknown): void {
  $('status').textContent = String(msg ?? '');
}

export function showProgress(p: number): void {
  const pct = p <= 1 ? p * 100 : p;
  $('progress-bar').style.width = `${Math.max(0, Math.min(100, pct || 0))}%`;
}

/** A modal with a body and buttons; resolves with the value of the button pressed. */
export function modal<T>(title: string, body: Node, buttons: [string, () => T][], cls = ''): { close(): void; result: Promise<T | undefined> } {
  const backdrop = document.createElement('div');
  backdrop.className = 'dialog-backdrop';
  const dlg = document.createElement('div');
  dlg.className = `dialog ${cls}`;
  dlg.setAttribute('role', 'dialog');
  const head = document.createElement('div');
  head.className = 'title';
  head.textContent = title;
  const bodyEl = document.createElement('div');
  bodyEl.className = 'body';
  bodyEl.appendChild(body);
  dlg.append(head, bodyEl);
  let done: (v: T | undefined) => void = () => {};
  const result = new Promise<T | undefined>((r) => (done = r));
  const close = () => {
    backdrop.remove();
    done(undefined);
  };
  if (buttons.length) {
    const actions = document.createElement('div');
    actions.className = 'actions';
    for (const [label, value] of buttons) {
      const b = document.createElement('button');
      b.textContent = label;
      b.onclick = () => {
        backdrop.remove();
        done(value());
      };
      actions.appendChild(b);
    }
    dlg.appendChild(actions);
  } else {
    const x = document.createElement('button');
    x.textContent = '×';
    x.onclick = close;
    head.appendChild(x);
  }
  backdrop.appendChild(dlg);
  $('dialogs').appendChild(backdrop);
  return { close, result };
}

const text = (s: unknown) => {
  const p = document.createElement('p');
  p.textContent = String(s);
  return p;
};

type Msg = string | { content?: string; title?: string };
const unpack = (m: Msg, fallback: string) => (typeof m === 'string' ? { content: m, title: fallback } : { content: m.content ?? '', title: m.title ?? fallback });

export async function alertDialog(m: Msg): Promise<void> {
  const { content, title } = unpack(m, 'Message');
  await modal(title, text(content), [['OK', () => undefined]]).result;
}

export async function confirmDialog(m: Msg): Promise<boolean> {
  const { content, title } = unpack(m, 'Confirm');
  return (await modal(title, text(content), [['Cancel', () => false], ['OK', () => true]]).result) ?? false;
}

export async function promptDialog(m: Msg, value = ''): Promise<string | null> {
  const { content, title } = unpack(m, 'Input');
  const wrap = document.createElement('div');
  const input = document.createElement('input');
  input.value = value;
  wrap.append(text(content), input);
  return (await modal<string | null>(title, wrap, [['Cancel', () => null], ['OK', () => input.value]]).result) ?? null;
}
