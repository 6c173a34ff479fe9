/**
 * The element's own styles, inside its shadow root, as a constructed stylesheet: a page's CSP
 * that forbids inline styles (`style-src 'self'`) still allows it. Every colour, font and radius
 * is a CSS custom property the page may set on `keyward-api-keys`; `::part()` reaches the rest.
 */
export const STYLES = `
:host {
  --_fg: var(--keyward-color, #1b1f24);
  --_bg: var(--keyward-background, #fff);
  --_muted: var(--keyward-muted, #59636e);
  --_border: var(--keyward-border, #d0d7de);
  --_accent: var(--keyward-accent, #0b57d0);
  --_accent-fg: var(--keyward-accent-text, #fff);
  --_danger: var(--keyward-danger, #b3261e);
  --_radius: var(--keyward-radius, 6px);
  --_gap: var(--keyward-gap, 12px);
  --_focus: var(--keyward-focus, #0b57d0);
  display: block;
  color: var(--_fg);
  background: var(--_bg);
  font: var(--keyward-font, 14px/1.45 system-ui, sans-serif);
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
h2 { font-size: 1.15em; margin: 0 0 var(--_gap); }
h3 { font-size: 1em; margin: var(--_gap) 0 4px; }
form, section { display: grid; gap: var(--_gap); margin-bottom: calc(var(--_gap) * 2); }
.row, .grid { display: flex; flex-wrap: wrap; gap: var(--_gap); align-items: end; }
.field { display: grid; gap: 4px; min-width: 12em; flex: 1; }
label, legend { font-weight: 600; }
.hint, .muted { color: var(--_muted); font-size: .9em; margin: 0; }
input, select, textarea { font: inherit; color: inherit; background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius); padding: 6px 8px; }
textarea { min-height: 3em; }
fieldset { border: 1px solid var(--_border); border-radius: var(--_radius); padding: 8px 12px; }
.choices { display: flex; flex-wrap: wrap; gap: 4px 16px; }
.choice { font-weight: normal; display: block; }
button { font: inherit; cursor: pointer; border: 1px solid var(--_border); border-radius: var(--_radius); padding: 6px 12px; background: var(--_bg); color: var(--_fg); }
button.primary { background: var(--_accent); border-color: var(--_accent); color: var(--_accent-fg); }
button.danger { color: var(--_danger); border-color: var(--_danger); }
button:disabled { opacity: .6; cursor: default; }
:focus-visible { outline: 2px solid var(--_focus); outline-offset: 2px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--_border); vertical-align: top; }
thead th { color: var(--_muted); font-weight: 600; }
td.actions { display: flex; flex-wrap: wrap; gap: 6px; }
code { font-family: var(--keyward-mono, ui-monospace, monospace); font-size: .9em; }
.badge { display: inline-block; padding: 0 6px; border-radius: 999px; border: 1px solid var(--_border); }
.badge-active { border-color: var(--_accent); }
.badge-revoked, .badge-expired { color: var(--_danger); border-color: var(--_danger); }
[role=alert]:not(:empty) { color: var(--_danger); }
[aria-invalid=true] { border-color: var(--_danger); }
.field-error { color: var(--_danger); }
dialog { color: var(--_fg); background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--_radius); max-width: min(40em, 95vw); padding: calc(var(--_gap) * 1.5); }
dialog::backdrop { background: rgb(0 0 0 / .4); }
dialog .actions { display: flex; gap: 8px; justify-content: end; margin-top: var(--_gap); }
input.secret { width: 100%; font-family: var(--keyward-mono, ui-monospace, monospace); }
.warning { border-left: 4px solid var(--_danger); padding-left: 8px; }
`;
