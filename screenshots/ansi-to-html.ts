/**
 * Turns a terminal screen captured with `tmux capture-pane -e -p` (text with ANSI SGR colour codes) into
 * a standalone HTML page: a monospace grid on a dark background, one <span> per styled run.
 */

/** A dark palette for the 16 basic colours (normal 0-7, bright 8-15). */
const PALETTE = [
  '#1e2127',
  '#e06c75',
  '#98c379',
  '#e5c07b',
  '#61afef',
  '#c678dd',
  '#56b6c2',
  '#abb2bf',
  '#5c6370',
  '#ff7a85',
  '#b5e890',
  '#ffd68a',
  '#7dc4ff',
  '#de8ef0',
  '#6fd6e3',
  '#f0f3f7',
];

export const BACKGROUND = '#16181d';
export const FOREGROUND = '#d7dae0';

/** xterm's 256-colour table: 16 basic, a 6x6x6 cube, 24 greys. */
function color256(n: number): string {
  if (n < 16) return PALETTE[n]!;
  if (n < 232) {
    const i = n - 16;
    const level = (v: number) => (v === 0 ? 0 : 55 + v * 40);
    return rgb(level(Math.floor(i / 36)), level(Math.floor(i / 6) % 6), level(i % 6));
  }
  const grey = 8 + (n - 232) * 10;
  return rgb(grey, grey, grey);
}

function rgb(r: number, g: number, b: number): string {
  const hex = (v: number) =>
    Math.max(0, Math.min(255, v | 0))
      .toString(16)
      .padStart(2, '0');
  return `#${hex(r)}${hex(g)}${hex(b)}`;
}

interface Style {
  fg?: string | undefined;
  bg?: string | undefined;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
  strike: boolean;
}

const plain = (): Style => ({
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  inverse: false,
  strike: false,
});

/** Applies one SGR sequence's parameters (already split on ';') to the style. */
function applySgr(style: Style, params: number[]): Style {
  const next = {...style};
  if (params.length === 0) params = [0];
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (p === 0) Object.assign(next, plain(), {fg: undefined, bg: undefined});
    else if (p === 1) next.bold = true;
    else if (p === 2) next.dim = true;
    else if (p === 3) next.italic = true;
    else if (p === 4) next.underline = true;
    else if (p === 7) next.inverse = true;
    else if (p === 9) next.strike = true;
    else if (p === 21 || p === 22) {
      next.bold = false;
      next.dim = false;
    } else if (p === 23) next.italic = false;
    else if (p === 24) next.underline = false;
    else if (p === 27) next.inverse = false;
    else if (p === 29) next.strike = false;
    else if (p >= 30 && p <= 37) next.fg = PALETTE[p - 30];
    else if (p === 39) next.fg = undefined;
    else if (p >= 40 && p <= 47) next.bg = PALETTE[p - 40];
    else if (p === 49) next.bg = undefined;
    else if (p >= 90 && p <= 97) next.fg = PALETTE[p - 90 + 8];
    else if (p >= 100 && p <= 107) next.bg = PALETTE[p - 100 + 8];
    else if (p === 38 || p === 48) {
      let value: string | undefined;
      if (params[i + 1] === 5 && params[i + 2] !== undefined) {
        value = color256(params[i + 2]!);
        i += 2;
      } else if (params[i + 1] === 2 && params[i + 4] !== undefined) {
        value = rgb(params[i + 2]!, params[i + 3]!, params[i + 4]!);
        i += 4;
      } else {
        break;
      }
      if (p === 38) next.fg = value;
      else next.bg = value;
    }
  }
  return next;
}

/** Mixes a colour toward the background: how terminals draw "dim". */
function dimmed(hex: string): string {
  const channel = (c: string, offset: number) => Number.parseInt(c.slice(offset, offset + 2), 16);
  const mix = (offset: number) =>
    Math.round(channel(hex, offset) * 0.55 + channel(BACKGROUND, offset) * 0.45);
  return rgb(mix(1), mix(3), mix(5));
}

function css(style: Style): string {
  let fg = style.fg ?? FOREGROUND;
  let bg = style.bg;
  if (style.inverse) {
    const swapped = bg ?? BACKGROUND;
    bg = fg;
    fg = swapped;
  }
  if (style.dim) fg = dimmed(fg);
  const rules: string[] = [];
  if (fg !== FOREGROUND) rules.push(`color:${fg}`);
  if (bg) rules.push(`background:${bg}`);
  if (style.bold) rules.push('font-weight:bold');
  if (style.italic) rules.push('font-style:italic');
  const lines = [style.underline ? 'underline' : '', style.strike ? 'line-through' : ''].filter(Boolean);
  if (lines.length > 0) rules.push(`text-decoration:${lines.join(' ')}`);
  return rules.join(';');
}

const ESC = String.fromCharCode(0x1b);
const BEL = String.fromCharCode(0x07);

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/**
 * Converts the screen's lines to HTML lines: each a run of <span>s, padded to `columns` cells so the
 * grid keeps its width. Other escape sequences than SGR are dropped.
 */
export function ansiToHtmlLines(ansi: string, columns: number): string[] {
  const lines = ansi.replace(/\n$/, '').split('\n');
  let style = plain();
  return lines.map((line) => {
    let html = '';
    let run = '';
    let cells = 0;
    const flush = () => {
      if (!run) return;
      const rules = css(style);
      html += rules ? `<span style="${rules}">${escapeHtml(run)}</span>` : escapeHtml(run);
      run = '';
    };
    // SGR sequences, any other CSI sequence, OSC sequences, lone escapes.
    const pattern = new RegExp(
      `${ESC}\\[([0-9;:]*)m|${ESC}\\[[0-9;?]*[@-~]|${ESC}\\][^${BEL}${ESC}]*(?:${BEL}|${ESC}\\\\)|${ESC}.`,
      'gu',
    );
    let last = 0;
    const text = (chunk: string) => {
      for (const char of chunk) {
        if (char < ' ') continue;
        run += char;
        cells += 1;
      }
    };
    for (const match of line.matchAll(pattern)) {
      text(line.slice(last, match.index));
      last = match.index + match[0].length;
      if (match[1] !== undefined) {
        flush();
        const params = match[1] === '' ? [] : match[1].split(/[;:]/).map((p) => Number(p || 0));
        style = applySgr(style, params);
      }
    }
    text(line.slice(last));
    flush();
    // Trailing cells the capture left out: blank, in the default colours.
    if (cells < columns) html += ' '.repeat(columns - cells);
    return html;
  });
}

export interface Page {
  html: string;
  /** The page's size in CSS pixels: the window to render it in. */
  width: number;
  height: number;
}

/**
 * DejaVu Sans Mono's advance width and its ascent plus descent, as fractions of the font size: a line
 * exactly as tall as the font makes box-drawing characters join up as in a terminal.
 */
const CELL_WIDTH = 1233 / 2048;
const CELL_HEIGHT = (1901 + 483) / 2048;

/** A standalone page showing the screen like a terminal window. */
export function screenToPage(
  ansi: string,
  options: {columns: number; rows: number; title?: string; fontSize?: number},
): Page {
  const fontSize = options.fontSize ?? 15;
  const lineHeight = fontSize * CELL_HEIGHT;
  const padding = 16;
  const bar = 30;
  const lines = ansiToHtmlLines(ansi, options.columns).slice(0, options.rows);
  while (lines.length < options.rows) lines.push(' '.repeat(options.columns));
  const textWidth = Math.ceil(options.columns * fontSize * CELL_WIDTH);
  const width = textWidth + padding * 2;
  const height = Math.ceil(bar + options.rows * lineHeight + padding * 2);
  const title = escapeHtml(options.title ?? 'tunnels');
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<style>
  html, body { margin: 0; padding: 0; background: ${BACKGROUND}; overflow: hidden; }
  body { width: ${width}px; height: ${height}px; }
  .bar { height: ${bar}px; background: #272a31; display: flex; align-items: center; padding-left: 14px; gap: 8px;
    font: 13px 'DejaVu Sans', sans-serif; color: #8b929e; }
  .dot { width: 12px; height: 12px; border-radius: 50%; }
  .title { flex: 1; text-align: center; margin-right: 74px; }
  .screen { padding: ${padding}px; color: ${FOREGROUND};
    font-family: 'DejaVu Sans Mono', monospace; font-size: ${fontSize}px; font-variant-ligatures: none; }
  .line { height: ${lineHeight}px; line-height: ${lineHeight}px; white-space: pre; overflow: visible; }
</style></head>
<body>
<div class="bar"><span class="dot" style="background:#ff5f57"></span><span class="dot" style="background:#febc2e"></span><span class="dot" style="background:#28c840"></span><span class="title">${title}</span></div>
<div class="screen">
${lines.map((line) => `<div class="line">${line}</div>`).join('\n')}
</div>
</body></html>
`;
  return {html, width, height};
}
