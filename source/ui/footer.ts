import stringWidth from 'string-width';
import type {AppState, Dialog} from '../store/state.js';
import {type Binding, keymap} from './keymap.js';

/**
 * The footer: the keys that act now, for the pane and the dialog in focus. On the main screen it is made
 * from the keymap (a binding shows while it can act, see Binding.footer and .pane), so a binding added
 * there shows here without more work; a dialog's keys are listed per kind below.
 */

export type FooterItem = {key: string; label: string};

const KEY_LABELS: Record<string, string> = {
  up: '↑',
  down: '↓',
  tab: 'Tab',
  delete: 'Del',
  enter: 'Enter',
  escape: 'Esc',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  home: 'Home',
  end: 'End',
  ' ': 'Space',
};

/** A key name as a person reads it: "pageup" is PgUp. */
export const keyLabel = (name: string) => KEY_LABELS[name] ?? name;

export function shownInFooter(binding: Binding, state: AppState): boolean {
  if (binding.pane && binding.pane !== state.focus) return false;
  const wanted = typeof binding.footer === 'function' ? binding.footer(state) : binding.footer;
  return wanted && !binding.disabledReason?.(state);
}

export function mainFooter(state: AppState): FooterItem[] {
  return keymap
    .filter((binding) => shownInFooter(binding, state))
    .map((binding) => ({key: keyLabel(binding.keys[0]!), label: binding.label}));
}

const CANCEL = {key: 'Esc', label: 'cancel'};

/** The keys of the open dialog (dialogInput in app.tsx is what they do). */
export function dialogFooter(dialog: Dialog, hosts: readonly string[]): FooterItem[] {
  switch (dialog.kind) {
    case 'help':
      return [
        {key: '↑↓ PgUp PgDn', label: 'scroll'},
        {key: 'Esc', label: 'close'},
      ];
    case 'connect':
      return [
        {key: 'Enter', label: 'connect'},
        {key: 'Ctrl-N', label: 'again'},
        ...(hosts.some((host) => host.startsWith(dialog.text) && host !== dialog.text)
          ? [{key: 'Tab', label: 'complete'}]
          : []),
        CANCEL,
      ];
    case 'add-forward':
      return [{key: 'Enter', label: dialog.replacing ? 'replace' : 'add'}, CANCEL];
    case 'run-command':
      return [{key: 'Enter', label: 'run'}, CANCEL];
    case 'favorites':
      return [
        {key: '↑↓', label: 'select'},
        {key: 'Space', label: 'choose'},
        {key: 'Enter', label: 'connect'},
        ...(dialog.text === '' ? [{key: '1-9', label: 'connect'}] : []),
        {key: 'Ctrl-N', label: 'again'},
        {key: 'Ctrl-E', label: 'edit'},
        {key: 'Ctrl-D', label: 'delete'},
        {key: 'Esc', label: 'close'},
      ];
    case 'save-favorite':
    case 'edit-favorite':
      return [{key: 'Enter', label: 'save'}, CANCEL];
    case 'confirm':
      // Quitting an attached UI: leave the tunnels up (the default), stop them all, or stay.
      if (dialog.action.kind === 'detach')
        return [
          {key: 'y Enter', label: 'detach'},
          {key: 's', label: 'stop all'},
          {key: 'n Esc', label: 'stay'},
        ];
      return [
        {key: 'y Enter', label: 'yes'},
        {key: 'n Esc', label: 'no'},
      ];
    case 'prompt':
      return [{key: 'Enter', label: 'answer'}, CANCEL];
  }
}

/** The log's filter being typed. */
export const FILTER_FOOTER: FooterItem[] = [
  {key: 'Enter', label: 'keep filter'},
  {key: 'Esc', label: 'clear'},
  {key: 'PgUp PgDn', label: 'scroll'},
];

/** The detail view's keys (detail-view.tsx takes them; the main screen's do not act under it). */
export const DETAIL_FOOTER: FooterItem[] = [
  {key: '↑↓ PgUp PgDn', label: 'scroll'},
  {key: 'y', label: 'copy'},
  {key: 'Enter Esc', label: 'close'},
];

/** Always kept when the footer is too narrow for every key: help lists the others. */
const KEPT = new Set(['?', 'q', 'Esc', 'End', 'Tab']);

/**
 * The footer's line in `width` columns: every key with " · " between them, or with two blanks when that is
 * too wide; narrower still, the kept keys and the others in order while they fit.
 */
export function footerText(items: readonly FooterItem[], width: number): string {
  const text = (item: FooterItem) => `${item.key} ${item.label}`;
  const all = items.map(text);
  if (stringWidth(all.join(' · ')) <= width) return all.join(' · ');
  const separator = '  ';
  let used = items
    .filter((item) => KEPT.has(item.key))
    .reduce((sum, item) => sum + stringWidth(text(item)) + separator.length, 0);
  const shown = items.filter((item) => {
    if (KEPT.has(item.key)) return true;
    const cost = stringWidth(text(item)) + separator.length;
    if (used + cost > width + separator.length) return false;
    used += cost;
    return true;
  });
  return shown.map(text).join(separator);
}

/** What a key the main screen does not bind says on the status line, so it never does nothing silently. */
export function unboundKeyHint(name: string): string | undefined {
  if (name === ' ') return 'Space does nothing here: ↑↓ or j k select, Tab switches pane, ? lists the keys';
  if ([...name].length !== 1 || name < ' ') return undefined;
  return `${name} is not a key here: ? lists the keys`;
}
